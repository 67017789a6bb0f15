"""Key sets the shared cache cannot hold (docs/keys.md): every process fetches
its own copy ("behind": slot->unshared). Three attacks on that path, with many
processes: unknown kids that multiply fetches, a slow key host that leaves
processes behind without keys they may serve, and slow catch-ups that end with
a set older than one announced while they ran."""

import itertools
import math
import threading
import time

import pytest

import ajtest
from jwks_server import (  # noqa: F401  (fixtures)
    CONFIG_WARNINGS, MPM_FULL, PID_LOG, SigningKey, bearer, fire, full_tier_only, jwks, location,
    mpm_lines, pid_log, pki, signing_keys, spread)

ALLOW = [CONFIG_WARNINGS, r"cannot (fetch|refresh) the keys", r"no signing keys available",
         r"Auth0Cache .*cannot store the key set", r"AH00844|AH00833", MPM_FULL]
FILLER = 600  # about 250 KB of JWKS: more than the small cache below takes
TINY_CACHE = "Auth0Cache shmcb:${AJ_SERVERROOT}/run/tiny-shmcb(512000)"


def big_set(*keys):
    """A JWKS with these keys and FILLER more (copies of the first under other kids),
    too large for TINY_CACHE."""
    out = [k.jwk() for k in keys]
    return {"keys": out + [dict(out[0], kid="filler-%d" % i) for i in range(FILLER)]}


def unshared_server(httpd_factory, pki, jwks, children, **kw):
    snippet = "\n".join([TINY_CACHE, mpm_lines(ajtest.current_mpm(), children, threads=4),
                         PID_LOG, "KeepAlive Off",
                         location("/api/", pki.ca_file, domain=jwks.domain, **kw)])
    srv = httpd_factory(snippet, allow_log=ALLOW)
    srv.wait_log(r"Auth0Cache .*cannot store the key set", since_test=False)  # the premise
    return srv


def unknown_kid_storm(srv, jwks, key, duration, cooldown, warm, valid=None, settle=0.3):
    """Bursts of 8 tokens of `key` under ever new unknown kids (and 4 of `valid`
    after each, if given) for `duration` s. Returns (answers, elapsed, fetches the
    host saw, processes that answered or were warm, the bound of one round of
    fetches: (seconds / cooldown + 1) * (processes + 1) + 3)."""
    serial = iter(range(10 ** 6))

    def unknown(_i):
        return bearer(key.mint(jwks.issuer, kid="nope-%d" % next(serial)))

    srv._barrier()  # pylint: disable=protected-access
    logged = len(pid_log(srv))
    before = jwks.count
    t0 = time.monotonic()
    answers = []
    while time.monotonic() - t0 < duration:
        answers += [r[0] for r in fire(srv, 8, unknown)]
        if valid is not None:
            answers += [r[0] for r in fire(srv, 4, valid)]
    elapsed = time.monotonic() - t0
    srv._barrier()  # pylint: disable=protected-access
    time.sleep(settle)  # a refresh begun by the last burst has shown at the host by now
    fetches = jwks.count - before
    procs = {pid for pid, _, _ in pid_log(srv)[logged:]} | warm
    bound = (math.ceil(elapsed / cooldown) + 1) * (len(procs) + 1) + 3
    return answers, elapsed, fetches, procs, bound


def test_unknown_kids_do_not_multiply_fetches_of_an_unshareable_set(httpd_factory, pki, jwks,
                                                                    signing_keys):
    """Attack (amplification): tokens with ever new unknown kids, sent to every process
    of a server whose key set the shared cache cannot hold. A refresh forced by an
    unknown kid is limited to one per cooldown server-wide; a forced refresh whose set
    cannot be stored makes every other process fetch its own copy once. So the key
    host sees at most about (seconds / cooldown + 1) * (processes + 1) fetches. If each
    process's forced refresh goes unseen by the others (the record that would say so
    is not stored), each forces its own and sends all others after it: a fetch storm
    of about processes^2 per cooldown, which the attacker drives at will."""
    children, cooldown, duration = 4, 1, 4.0
    jwks.set_jwks(big_set(signing_keys["A"]))
    srv = unshared_server(httpd_factory, pki, jwks, children, cooldown=cooldown)
    valid = signing_keys["A"].mint(jwks.issuer)
    statuses, warm = spread(srv, bearer(valid), lambda pids: len(pids) >= children, burst=8)
    assert set(statuses) == {200}, statuses
    assert len(warm) >= children, "every child warmed: %s" % warm
    answers, elapsed, fetches, procs, bound = unknown_kid_storm(
        srv, jwks, signing_keys["B"], duration, cooldown, warm)  # B: not in the set
    print("\n%s: %d unknown-kid requests in %.1f s over %d processes: %d fetches "
          "(bound %d)" % (ajtest.current_mpm(), len(answers), elapsed, len(procs), fetches,
                          bound))
    problems = []
    if fetches > bound:
        problems.append("%d fetches of the key set in %.1f s (cooldown %d s, %d processes): "
                        "unknown kids multiply fetches; at most %d"
                        % (fetches, elapsed, cooldown, len(procs), bound))
    if set(answers) != {401}:
        problems.append("unknown kids answered %s, not only 401: %s" % (
            sorted(set(answers)), {s: answers.count(s) for s in set(answers)}))
    assert not problems, "; ".join(problems)


def test_catch_up_with_a_slow_host_does_not_refuse_valid_tokens(httpd_factory, pki, jwks,
                                                                signing_keys):
    """Attack (denial of service): one token with an unknown kid, after a rotation of a
    key set the shared cache cannot hold, puts every process but one behind the new
    set; each must fetch its own copy before it answers. With a key host that answers
    slowly (within Auth0JWKSTimeout), processes that catch up one after another under a
    single fetch lease run out of their timeout and refuse valid tokens (503) of a key
    that is in both sets. Each behind process fetching for itself, concurrently, keeps
    every answer within the timeout.
    A burst may land on few processes (the one already caught up answers fast and takes
    many): the rotation is repeated, at most ROUNDS times, until one burst reached at
    least 3 processes behind; every burst of every round must be answered 200."""
    children, slow, rounds, enough = 6, 1.5, 4, 3
    jwks.set_jwks(big_set(signing_keys["A"], signing_keys["B"]))
    srv = unshared_server(httpd_factory, pki, jwks, children, cooldown=1, timeout=2)
    srv.expect_log(r"another process holds a newer key set")
    token_a = signing_keys["A"].mint(jwks.issuer)
    statuses, warm = spread(srv, bearer(token_a), lambda pids: len(pids) >= 4, burst=8)
    assert set(statuses) == {200}, statuses
    assert len(warm) >= 4, "several children warmed: %s" % warm
    reached = []
    for n in range(rounds):
        new = signing_keys["C"] if n == 0 else SigningKey(kid="kR%d" % n)
        jwks.set_mode("normal")
        jwks.set_jwks(big_set(signing_keys["A"], new))  # the previous new key withdrawn
        time.sleep(1.1)  # past the cooldown of the children's own fetches
        srv._barrier()  # pylint: disable=protected-access
        logged = len(pid_log(srv))
        # an unknown kid: a forced refresh in one child, whose set cannot be stored
        assert srv.get("/api/private", headers=bearer(new.mint(jwks.issuer))).status == 200
        jwks.slow_total = slow
        jwks.set_mode("slow")
        before = jwks.count
        results = fire(srv, 16, bearer(token_a))
        srv._barrier()  # pylint: disable=protected-access
        rows = pid_log(srv)[logged:]
        forced_pid = rows[0][0]
        behind = {pid for pid, _, _ in rows[1:]} - {forced_pid}
        reached.append(len(behind))
        got = [r[0] for r in results]
        worst = max(r[1] for r in results)
        print("\n%s round %d: statuses %s, max latency %.2f s, %d processes behind reached, "
              "%d fetches at the slow host" % (ajtest.current_mpm(), n + 1, got, worst,
                                               len(behind), jwks.count - before))
        assert got == [200] * 16, "valid tokens of key A refused while %d processes caught " \
            "up with a slow host: %s (max latency %.2f s)" % (len(behind), got, worst)
        if len(behind) >= enough:
            break
    assert max(reached) >= enough, "no burst reached %d processes behind the new set (%s): " \
        "nothing tested" % (enough, reached)


def test_a_catch_up_counts_only_for_what_was_announced_when_it_began(httpd_factory, pki, jwks,
                                                                     signing_keys):
    """Attack (a withdrawn key kept): a process behind set S1 starts its catch-up
    fetch against a slow key host and gets S1. While that fetch runs, the tenant
    withdraws key A (S2), and another process, forced by an unknown kid, fetches
    S2 and announces it (the cache cannot hold it). When the slow fetch ends, the
    process it ran in holds S1, with A: it must count itself caught up only with
    what was announced when its fetch began, so it fetches again before it answers
    from its keys, and A is refused everywhere. Counted caught up with everything
    announced by the end, it accepted A until its own TTL ran out."""
    children = 2
    jwks.set_jwks(big_set(signing_keys["A"], signing_keys["B"]))
    srv = unshared_server(httpd_factory, pki, jwks, children, cooldown=1, timeout=5)
    token_a = signing_keys["A"].mint(jwks.issuer)
    statuses, warm = spread(srv, bearer(token_a), lambda pids: len(pids) >= children, burst=8)
    assert set(statuses) == {200} and len(warm) >= children, (statuses, warm)
    # S1: one process fetches it (unknown kid C) and announces it; the others are behind
    jwks.set_jwks(big_set(signing_keys["A"], signing_keys["C"]))
    time.sleep(1.1)  # past the cooldown of the children's own fetches
    srv._barrier()  # pylint: disable=protected-access
    logged = len(pid_log(srv))
    assert srv.get("/api/private", headers=bearer(signing_keys["C"].mint(jwks.issuer))).status \
        == 200
    srv._barrier()  # pylint: disable=protected-access
    forced_at = time.monotonic()
    announcer = pid_log(srv)[logged][0]
    # a behind process starts its catch-up; the host is slow and serves S1 to it
    jwks.slow_total = 2.5
    jwks.set_mode("slow")
    before = jwks.count
    logged = len(pid_log(srv))
    slow = {}
    for _ in range(10):
        t = threading.Thread(target=lambda: slow.setdefault("r", []).extend(
            fire(srv, 8, bearer(token_a), timeout=30)))
        t.start()
        if jwks.wait_count(before + 1, timeout=1.0) > before:
            slow_began = time.monotonic()
            break
        t.join(30)  # the burst met only caught-up processes: another one
    else:
        raise AssertionError("no burst reached a process behind S1: nothing tested")
    # S2 withdraws A; the announcer, forced by unknown kid D, fetches S2 at once
    fresh = SigningKey(kid="kD")
    jwks.set_mode("normal")
    jwks.set_jwks(big_set(signing_keys["C"], fresh))
    time.sleep(max(0.0, forced_at + 1.1 - time.monotonic()))
    during = jwks.count
    unknown = threading.Thread(target=fire, args=(srv, 6, bearer(fresh.mint(jwks.issuer))),
                               kwargs={"timeout": 30})
    unknown.start()
    assert jwks.wait_count(during + 1, timeout=2.0) > during and \
        time.monotonic() < slow_began + jwks.slow_total - 0.2, \
        "the premise: a refresh of S2 forced while the slow catch-up still ran"
    unknown.join(30)
    t.join(30)
    srv._barrier()  # pylint: disable=protected-access
    behind = {pid for pid, _, _ in pid_log(srv)[logged:]} - {announcer}
    assert behind, "the slow burst reached no process but the announcer"
    statuses, asked = spread(srv, bearer(token_a),
                             lambda pids: ajtest.alive_pids(behind) <= pids, burst=8)
    print("\n%s: slow burst %s; after S2: %s from %s (behind: %s)" % (
        ajtest.current_mpm(), sorted(r[0] for r in slow["r"]), statuses, sorted(asked),
        sorted(behind)))
    assert ajtest.alive_pids(behind) <= asked, "not every process behind was asked: %s of %s" % (
        asked, behind)
    assert set(statuses) == {401}, "the withdrawn key A was accepted: %s" % statuses


@full_tier_only
def test_a_process_still_behind_after_its_fetch_stays_off_the_fast_path(httpd_factory, pki,
                                                                        jwks, signing_keys):
    """Attack (a withdrawn key kept): a catch-up fetch that ends behind (a newer set,
    without key B, was announced while it ran) must not put its set, with B, on the
    fast path: the other threads of that process would accept B until its next
    catch-up ends. It went in under the newest generation, which is all the fast
    path looks at.

    Three processes: X starts a slow catch-up (1.6 s), Y another (3.5 s, the host
    still serving {A, B}); the host withdraws B; an unknown kid makes a process that
    is not behind fetch {A} and announce it; Y's fetch ends with {A, B}, behind, and
    starts another (2.5 s). Meanwhile tokens of B reach Y.
    The interleaving is steered by exact counts of fetches: under prefork, children
    started mid-test fetch for themselves and spoil them, so it runs with threads."""
    if ajtest.current_mpm() == "prefork":
        pytest.skip("steered by exact fetch counts, which prefork's new children spoil")
    children, timeout = 3, 4
    a, b = signing_keys["A"], signing_keys["B"]
    jwks.set_jwks(big_set(a, b))
    srv = unshared_server(httpd_factory, pki, jwks, children, cooldown=1, timeout=timeout)
    srv.expect_log(r"another process holds a newer key set")
    serial = itertools.count()

    def tok(key, **kw):
        return bearer(key.mint(jwks.issuer, sub="u%d" % next(serial), **kw))

    out = []

    def send(headers):
        def run():
            try:
                out.append(srv.get("/api/private", headers=headers, timeout=20).status)
            except OSError:
                out.append(0)
        th = threading.Thread(target=run, daemon=True)
        th.start()
        return th

    def until_fetch(make, n, limit=3.0, each=3, pause=0.03):
        """Send requests (in the background) until the host saw n more fetches."""
        start, t0, threads = jwks.count, time.monotonic(), []
        while jwks.count < start + n and time.monotonic() - t0 < limit:
            threads += [send(make()) for _ in range(each)]
            time.sleep(pause)
        return jwks.count == start + n, threads

    for _ in range(20):  # every child holds {A, B}
        fire(srv, 8, lambda _i: tok(a))
        srv._barrier()  # pylint: disable=protected-access
        if len({p for p, _, _ in pid_log(srv)}) >= children:
            break
    # the announcer: D -> D+1, the two others behind
    assert srv.get("/api/private", headers=tok(a, kid="nope-0")).status == 401
    time.sleep(1.2)  # past the forced cooldown
    # X: a catch-up, 1.6 s
    jwks.slow_total = 1.6
    jwks.set_mode("slow")
    ok, threads = until_fetch(lambda: tok(a), 1, each=1, pause=0.1)
    x_started = time.monotonic()
    assert ok, "not one behind process reached (none, or both at once)"
    # Y: another catch-up, 3.5 s, the host still serving {A, B}
    jwks.slow_total = 3.5
    ok, more = until_fetch(lambda: tok(a), 1, limit=1.4)
    threads += more
    assert ok, "the second behind process was not reached while X fetched"
    y_started = time.monotonic()
    jwks.set_jwks(big_set(a))  # B withdrawn
    jwks.set_mode("normal")
    time.sleep(max(0.0, x_started + 1.8 - time.monotonic()))  # X done
    # an unknown kid at a process not behind: forced fetch of {A}, announced (D+2)
    ok, more = until_fetch(lambda: tok(a, kid="nope-%d" % next(serial)), 1, limit=1.0)
    threads += more
    assert ok, "no forced fetch of {A}"
    announced = time.monotonic()
    assert announced < y_started + 3.2, "too late: Y's fetch may be over"
    jwks.slow_total = 2.5  # Y's next catch-up (and X's) take a while
    jwks.set_mode("slow")
    time.sleep(max(0.0, y_started + 3.8 - time.monotonic()))  # Y's first fetch ended
    srv._barrier()  # pylint: disable=protected-access
    logged = len(pid_log(srv))
    sent = time.monotonic() - announced
    got = [r[0] for r in fire(srv, 12, lambda _i: tok(b))]
    srv._barrier()  # pylint: disable=protected-access
    rows = [(p, s) for p, s, _ in pid_log(srv)[logged:]]
    print("\n%s: withdrawn B sent %.1f s after the set without it was announced "
          "(pid, status; background requests included): %s"
          % (ajtest.current_mpm(), sent, rows))
    for th in threads:
        th.join(15)
    assert 200 not in got, "withdrawn key B accepted %d of %d times after a set without " \
        "it was announced (a process behind it serving from the fast path): %s" % (
            got.count(200), len(got), rows)


def _announce(srv, jwks, token):
    """One request whose unknown kid forces a refresh in the process it reaches, which
    fetches the set the host serves now and announces it. Returns that process."""
    srv._barrier()  # pylint: disable=protected-access
    logged = len(pid_log(srv))
    before = jwks.count
    assert srv.get("/api/private", headers=bearer(token)).status == 200
    srv._barrier()  # pylint: disable=protected-access
    assert jwks.count > before, "the premise: the unknown kid forced a fetch"
    return pid_log(srv)[logged][0]


def test_a_rotation_after_the_announcement_reaches_the_announcer(httpd_factory, pki, jwks,
                                                                 signing_keys):
    """Attack (a withdrawn key kept): process P, forced by the unknown kid of C,
    fetches S1 = {A, C} and announces it (the cache cannot hold it). Before the others
    catch up, the tenant withdraws A (S2 = {C}); their catch-ups bring S2. P must learn
    of it: a catch-up that finds another set than the one announced announces its own,
    and P fetches again. Without that, P accepted A until its own TTL (an hour here)
    while every other process refused it."""
    children = 3
    a, b, c = (signing_keys[k] for k in "ABC")
    jwks.set_jwks(big_set(a, b))
    srv = unshared_server(httpd_factory, pki, jwks, children, cooldown=1, ttl=3600)
    statuses, warm = spread(srv, bearer(a.mint(jwks.issuer)), lambda pids: len(pids) >= children)
    assert set(statuses) == {200} and len(warm) >= children, (statuses, warm)
    jwks.set_jwks(big_set(a, c))  # S1
    time.sleep(1.1)  # past the cooldown of the children's own fetches
    announcer = _announce(srv, jwks, c.mint(jwks.issuer))
    jwks.set_jwks(big_set(c))  # S2: A withdrawn, before anyone caught up
    others = ajtest.alive_pids(warm - {announcer})
    assert others, "no process but the announcer"
    before = jwks.count
    statuses, asked = spread(srv, bearer(c.mint(jwks.issuer)), lambda pids: others <= pids)
    assert others <= asked and set(statuses) == {200}, (statuses, asked, others)
    statuses, asked = spread(srv, bearer(a.mint(jwks.issuer)),
                             lambda pids: ajtest.alive_pids(warm) <= pids)
    fetches = jwks.count - before
    print("\n%s: withdrawn A after the catch-ups: %s from %s (announcer %d); %d fetches" % (
        ajtest.current_mpm(), statuses, sorted(asked), announcer, fetches))
    assert announcer in asked or announcer not in ajtest.alive_pids({announcer}), \
        "the announcer was not asked: %s" % sorted(asked)
    assert set(statuses) == {401}, "the withdrawn key A was accepted: %s" % statuses
    srv.wait_log(r"the key set of .* changed since another process fetched it")
    procs = len(ajtest.alive_pids(warm | asked))
    assert fetches <= 2 * procs + 2, "%d fetches for %d processes" % (fetches, procs)


def test_a_host_serving_two_sets_at_once_costs_one_more_round(httpd_factory, pki, jwks,
                                                              signing_keys):
    """Attack (amplification): a host whose edges serve two sets in turn (a CDN in the
    middle of a change, or an attacker on one edge). Each catch-up finds another set
    than the one announced; if every such catch-up announced its own, the processes
    would send each other fetching without end. Only a refresh's announcement may be
    answered, once: one announcement costs at most two rounds of fetches."""
    children = 3
    a, b, c = (signing_keys[k] for k in "ABC")
    jwks.set_jwks(big_set(a, b))
    srv = unshared_server(httpd_factory, pki, jwks, children, cooldown=1, ttl=3600)
    statuses, warm = spread(srv, bearer(a.mint(jwks.issuer)), lambda pids: len(pids) >= children)
    assert set(statuses) == {200} and len(warm) >= children, (statuses, warm)
    time.sleep(1.1)
    jwks.set_jwks_cycle(big_set(a, c), big_set(a, c, b))
    _announce(srv, jwks, c.mint(jwks.issuer))
    before = jwks.count
    token = bearer(a.mint(jwks.issuer))  # in both sets
    answers = []
    t0 = time.monotonic()
    while time.monotonic() - t0 < 3.0:
        answers += spread(srv, token, lambda pids: ajtest.alive_pids(warm) <= pids)[0]
    fetches = jwks.count - before
    procs = len(ajtest.alive_pids(warm)) + (1 if ajtest.current_mpm() == "prefork" else 0)
    print("\n%s: %d requests over 3 s with a host serving two sets: %d fetches, %d processes"
          % (ajtest.current_mpm(), len(answers), fetches, procs))
    assert set(answers) == {200}, {s: answers.count(s) for s in set(answers)}
    assert fetches <= 2 * procs + 2, "%d fetches in 3 s for %d processes" % (fetches, procs)
    answered = [ln for ln in srv.log_lines() if "changed since another process" in ln]
    assert len(answered) <= 1, "one refresh's announcement answered %d times: %s" % (
        len(answered), answered)


@full_tier_only
def test_second_round_with_a_slow_host_does_not_refuse_valid_tokens(httpd_factory, pki, jwks,
                                                                     signing_keys):
    """Attack (503 for valid tokens): a host that serves two sets in turn
    (CDN mid-change) and answers in 1.6 s (under Auth0JWKSTimeout 2 s). A refresh
    announces one set; the catch-ups find the other and the first to end announces a
    second round, so every process whose catch-up was still running ends behind and
    fetches again: its waiting requests need two slow fetches (3.2 s), more than a
    request's budget of one timeout. Key A is in both sets: every answer must be 200.
    With one timeout only, 1 or 2 of 16 requests got 503 in rounds 3 and 4, 2 of 2 runs
    (event); a request behind an answer now has one more timeout, once."""
    children, rounds, slow = 4, 4, 1.6
    a, b = signing_keys["A"], signing_keys["B"]
    jwks.set_jwks(big_set(a, b))
    srv = unshared_server(httpd_factory, pki, jwks, children, cooldown=1, timeout=2, ttl=3600)
    srv.expect_log(r"another process holds a newer key set")
    statuses, _ = spread(srv, bearer(a.mint(jwks.issuer)), lambda pids: len(pids) >= 3,
                         burst=8)
    assert set(statuses) == {200}, statuses
    bad = []
    for n in range(rounds):
        jwks.set_mode("normal")
        new = signing_keys["C"] if n == 0 else SigningKey(kid="kR%d" % n)
        jwks.set_jwks_cycle(big_set(a, new), big_set(a, new, b))
        time.sleep(1.1)  # past the cooldown
        _announce(srv, jwks, new.mint(jwks.issuer))
        jwks.slow_total = slow
        jwks.set_mode("slow")
        before = jwks.count
        results = fire(srv, 16, bearer(a.mint(jwks.issuer)), timeout=30)
        got = [r[0] for r in results]
        worst = max(r[1] for r in results)
        time.sleep(2 * slow + 0.5)
        rounds2 = sum("changed since another process" in ln for ln in srv.log_lines())
        print("\n%s round %d: %s, max latency %.2f s, %d fetches, second rounds so far %d" % (
            ajtest.current_mpm(), n + 1, {s: got.count(s) for s in set(got)}, worst,
            jwks.count - before, rounds2))
        bad += [s for s in got if s != 200]
    assert not bad, "valid tokens of key A (in both sets) refused: %s" % bad


@full_tier_only
def test_unknown_kids_against_a_host_serving_two_sets(httpd_factory, pki, jwks, signing_keys):
    """Attack (amplification; held): unknown kids flood every process while the host
    serves two sets in turn. Each forced refresh (one per cooldown) is a refresh's
    announcement, which a catch-up may answer once: at most two rounds of fetches per
    cooldown. Bound: 2 * (seconds / cooldown + 1) * (processes + 1) + 3 (twice the
    bound of test_unknown_kids_do_not_multiply_fetches_of_an_unshareable_set); the
    numbers printed say how much of it is used."""
    children, cooldown, duration = 4, 1, 4.0
    a, b, c = (signing_keys[k] for k in "ABC")
    jwks.set_jwks(big_set(a, b))
    srv = unshared_server(httpd_factory, pki, jwks, children, cooldown=cooldown, ttl=3600)
    statuses, warm = spread(srv, bearer(a.mint(jwks.issuer)), lambda pids: len(pids) >= children,
                            burst=8)
    assert set(statuses) == {200}, statuses
    jwks.set_jwks_cycle(big_set(a, c), big_set(a, c, b))
    time.sleep(1.1)
    answers, elapsed, fetches, procs, one = unknown_kid_storm(
        srv, jwks, b, duration, cooldown, warm, valid=bearer(a.mint(jwks.issuer)), settle=0.5)
    rounds2 = sum("changed since another process" in ln for ln in srv.log_lines())
    print("\n%s: %.1f s of unknown kids, host serving two sets: %d fetches over %d processes "
          "(one-round bound %d), %d second rounds; answers %s" % (
              ajtest.current_mpm(), elapsed, fetches, len(procs), one, rounds2,
              {s: answers.count(s) for s in set(answers)}))
    assert fetches <= 2 * one, "%d fetches: more than two rounds per cooldown" % fetches
    assert not set(answers) - {200, 401}, {s: answers.count(s) for s in set(answers)}
