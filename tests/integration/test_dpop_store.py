"""The DPoP replay store at its limits (docs/directives.md, "Auth0DPoPReplayCapacity"):
a flood of proofs that fills it, a graceful restart, the status page. A spent
proof must never be accepted again while it is within its lifetime: a full
store refuses new proofs (503) rather than forget spent ones."""

import re
import time

import ajtest
import tokens as T
from jwks_server import MPM_FULL, PID_LOG, fire, mpm_lines, pid_log
from test_dpop import ALICE, MALLORY, dpop, htu, token_for

CAPACITY = 64  # the smallest table: 8 buckets of 8 slots
FULL_LINE = r"the DPoP replay store is full \(64 proofs"

SNIPPET = T.AUTH0 + T.QUICKSTART + """
Auth0DPoPReplayCapacity %d
<Location /status>
    SetHandler auth0-jwt-status
</Location>
""" % CAPACITY


def server():
    mpm = ajtest.current_mpm()
    lines = mpm_lines(mpm, 4 if mpm == "prefork" else 2, threads=8) + PID_LOG + "\n"
    return ajtest.Httpd(lines + SNIPPET, name="dpop-store", files=T.server_files(),
                        allow_log=[MPM_FULL, FULL_LINE])


def statuses(results):
    return [st for st, _, _ in results]


def test_flood_fills_the_store_and_no_spent_proof_comes_back():
    """Attack: a client with a valid bound token floods the server with fresh
    proofs until the replay store is full, hoping that it forgets a spent proof,
    then replays that proof. The store keeps every spent proof and refuses the
    new ones with 503 instead."""
    token = token_for(ALICE)
    with server() as srv:
        path = "/api/private"
        proofs = [ALICE.proof(htu(srv, path), token) for _ in range(3 * CAPACITY)]
        flood = fire(srv, len(proofs), lambda i: dict(dpop(token, proofs[i])), threads=12,
                     path=path)
        got = statuses(flood)
        taken = [p for p, st in zip(proofs, got) if st == 200]
        assert set(got) == {200, 503}, got
        # two bucket choices fill the table nearly up before anything is refused
        assert CAPACITY * 3 // 4 <= len(taken) <= CAPACITY, len(taken)
        for st, _, r in flood:
            if st == 503:
                assert r.header("Retry-After") == "5"
                assert r.header("WWW-Authenticate") is None
                assert r.json() == {"error": "temporarily_unavailable",
                                    "error_description": "DPoP proofs cannot be checked "
                                                         "right now"}
        if ajtest.current_mpm() == "prefork":
            assert len({pid for pid, _, _ in pid_log(srv)}) >= 2, "one child took every proof"
        # every spent proof is still spent, from every child
        again = fire(srv, len(taken), lambda i: dict(dpop(token, taken[i])), threads=12,
                     path=path)
        assert statuses(again) == [401] * len(taken), statuses(again)
        assert all(b"The DPoP proof was already used" in r.body for _, _, r in again)
        # a bearer token is untouched by the full store
        assert srv.get(path, headers=[("Authorization", "Bearer " + T.pyjwt())]).status == 200
        j = srv.get("/status", headers=[("Accept", "application/json")]).json()
        # the horizon: Auth0DPoPProofLifetime 300 plus twice Auth0ClockSkew 5
        assert j["dpop_replay_store"] == {"capacity": CAPACITY, "proofs": len(taken),
                                          "proofs_counted": True, "horizon_seconds": 310}
        assert j["requests"]["refused"]["dpop_store"] == len(proofs) - len(taken)
        assert j["requests"]["refused"]["dpop_replay"] == len(taken)
        full = [line for line in srv.log_lines() if re.search(FULL_LINE, line)]
        assert full and all("[auth0_jwt:warn]" in line for line in full), full


def test_spent_proof_stays_spent_across_graceful_restart():
    """Attack: replay a captured proof right after the server restarts
    gracefully (a configuration reload), in the hope that the new generation
    has forgotten it. Also across a change of the store's capacity, which only
    a full restart applies."""
    token = token_for(MALLORY)
    with server() as srv:
        path = "/api/private"
        proof = MALLORY.proof(htu(srv, path), token)
        assert srv.get(path, headers=dpop(token, proof)).status == 200
        srv.graceful_restart()
        r = srv.get(path, headers=dpop(token, proof))
        assert r.status == 401 and b"The DPoP proof was already used" in r.body, r.text
        srv.graceful_restart(srv.snippet.replace("Auth0DPoPReplayCapacity %d" % CAPACITY,
                                                 "Auth0DPoPReplayCapacity 4096"))
        r = srv.get(path, headers=dpop(token, proof))
        assert r.status == 401 and b"The DPoP proof was already used" in r.body, r.text
        assert any("Auth0DPoPReplayCapacity 4096 takes effect at the next full restart" in line
                   for line in srv.log_lines()), "no notice of the kept capacity"
        j = srv.get("/status", headers=[("Accept", "application/json")]).json()
        assert j["dpop_replay_store"]["capacity"] == CAPACITY
        fresh = MALLORY.proof(htu(srv, path), token)
        assert srv.get(path, headers=dpop(token, fresh)).status == 200


def test_longer_lifetime_after_reload_still_refuses_a_spent_proof():
    """Attack: a proof spent while Auth0DPoPProofLifetime was short is replayed
    after a reload that made it longer, once its short-lived entry would have
    gone. The store keeps entries for the longest window any scope asks for,
    and refuses proofs recorded before the window grew once they are older
    than the window of then."""
    short = SNIPPET + "Auth0DPoPProofLifetime 2\nAuth0ClockSkew 0\n"
    token = token_for(ALICE)
    mpm = ajtest.current_mpm()
    lines = mpm_lines(mpm, 4 if mpm == "prefork" else 2, threads=8) + PID_LOG + "\n"
    with ajtest.Httpd(lines + short, name="dpop-window", files=T.server_files(),
                      allow_log=[MPM_FULL, FULL_LINE]) as srv:
        path = "/api/private"
        proof = ALICE.proof(htu(srv, path), token)
        assert srv.get(path, headers=dpop(token, proof)).status == 200
        srv.graceful_restart(lines + SNIPPET + "Auth0DPoPProofLifetime 60\nAuth0ClockSkew 0\n")
        time.sleep(4.5)  # past the 2-second window the proof was recorded under
        r = srv.get(path, headers=dpop(token, proof))
        assert r.status == 401 and b"The DPoP proof was already used" in r.body, r.text
        fresh = ALICE.proof(htu(srv, path), token)
        assert srv.get(path, headers=dpop(token, fresh)).status == 200
        j = srv.get("/status", headers=[("Accept", "application/json")]).json()
        assert j["dpop_replay_store"]["horizon_seconds"] == 60
