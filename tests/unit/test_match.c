/*
 * test_match.c: the helpers behind Require auth0-scope, auth0-permission and
 * auth0-claim. A scope is a whole space-delimited token (RFC 6749 3.3) or a
 * whole array element; never a substring, a prefix or a comma-separated part.
 */
#include <string.h>

#include "unit.h"

/* Up to four required values; NULL ends the list. */
typedef const char *values_t[5];

static apr_array_header_t *values(const values_t v)
{
    apr_array_header_t *a = apr_array_make(unit_pool, 4, sizeof(const char *));
    for (int i = 0; v[i]; i++) {
        APR_ARRAY_PUSH(a, const char *) = v[i];
    }
    return a;
}

/* The claim named name in the payload text; NULL when absent. */
static const json_t *claim(const char *payload, const char *name)
{
    return json_object_get(unit_json(payload), name);
}

/* clang-format off */
static const struct {
    const char *payload; /* the claims; the claim tested is "scope" */
    values_t need;
    int want;
    const char *why;
} scope_cases[] = {
    {"{\"scope\":\"read:messages\"}", {"read:messages"}, 1, "the one scope"},
    {"{\"scope\":\"openid read:messages write:messages\"}", {"read:messages"}, 1, "one of three"},
    {"{\"scope\":\"openid read:messages write:messages\"}", {"write:messages", "openid"}, 1,
     "two of three, in any order"},
    {"{\"scope\":\"openid read:messages\"}", {"read:messages", "write:messages"}, 0,
     "one of two required is missing"},
    {"{\"scope\":\"read:messages2\"}", {"read:messages"}, 0, "read:messages2 is not read:messages"},
    {"{\"scope\":\"xread:messages\"}", {"read:messages"}, 0, "xread:messages is not read:messages"},
    {"{\"scope\":\"read:messages\"}", {"read"}, 0, "a prefix"},
    {"{\"scope\":\"read:messages\"}", {"messages"}, 0, "a suffix"},
    {"{\"scope\":\"read:messages\"}", {"read:message"}, 0, "one character short"},
    {"{\"scope\":\"read:messages,write:messages\"}", {"read:messages"}, 0,
     "comma-separated is one token"},
    {"{\"scope\":\"read:messages, write:messages\"}", {"read:messages"}, 0,
     "comma and space: 'read:messages,' is the token"},
    {"{\"scope\":\"read:messages\\twrite:messages\"}", {"read:messages"}, 0,
     "a tab is not a delimiter"},
    {"{\"scope\":\"  read:messages   write:messages  \"}", {"write:messages"}, 1,
     "extra spaces around and between"},
    {"{\"scope\":\"READ:MESSAGES\"}", {"read:messages"}, 0, "scopes are case-sensitive"},
    {"{\"scope\":\"read:messages\"}", {"read:messages write:messages"}, 0,
     "a required value with a space never matches"},
    {"{\"scope\":\"read:messages\"}", {""}, 0, "an empty required scope"},
    {"{\"scope\":\"\"}", {"read:messages"}, 0, "an empty scope claim"},
    {"{\"scope\":\"read:messages\"}", {NULL}, 1, "nothing required"},
    {"{\"sub\":\"x\"}", {NULL}, 0, "nothing required, but no scope claim at all"},
    {"{\"sub\":\"x\"}", {"read:messages"}, 0, "no scope claim"},
    /* the array form (RFC 9068 leaves the syntax to the issuer; some send arrays) */
    {"{\"scope\":[\"read:messages\",\"write:messages\"]}", {"read:messages", "write:messages"}, 1,
     "array form, both"},
    {"{\"scope\":[\"read:messages\"]}", {"write:messages"}, 0, "array form, missing"},
    {"{\"scope\":[\"read:messages write:messages\"]}", {"read:messages"}, 0,
     "an array element is not split on spaces"},
    {"{\"scope\":[\"read:messages2\"]}", {"read:messages"}, 0, "array form, a longer element"},
    {"{\"scope\":[1,\"read:messages\",null]}", {"read:messages"}, 1,
     "non-strings in the array are skipped"},
    {"{\"scope\":[[\"read:messages\"]]}", {"read:messages"}, 0, "a nested array"},
    {"{\"scope\":[]}", {"read:messages"}, 0, "an empty array"},
    {"{\"scope\":42}", {"42"}, 0, "a number is not a scope"},
    {"{\"scope\":true}", {"true"}, 0, "a boolean is not a scope"},
    {"{\"scope\":null}", {"null"}, 0, "null is not a scope"},
    {"{\"scope\":{\"read:messages\":true}}", {"read:messages"}, 0, "an object is not a scope"},
};
/* clang-format on */

START_TEST(match_scope)
{
    const json_t *c = claim(scope_cases[_i].payload, "scope");
    ck_assert_msg(aj_claim_has_all(c, values(scope_cases[_i].need)) == scope_cases[_i].want, "%s",
                  scope_cases[_i].why);
}
END_TEST

/* Auth0 RBAC puts permissions in an array claim. */
START_TEST(match_permissions)
{
    const json_t *perms =
        claim("{\"permissions\":[\"read:messages\",\"delete:messages\"]}", "permissions");
    const values_t read = {"read:messages"}, both = {"read:messages", "delete:messages"},
                   write = {"write:messages"}, partial = {"read:messages", "write:messages"};

    ck_assert(aj_claim_has_all(perms, values(read)));
    ck_assert(aj_claim_has_all(perms, values(both)));
    ck_assert(!aj_claim_has_all(perms, values(write)));
    ck_assert(!aj_claim_has_all(perms, values(partial)));
    ck_assert(aj_claim_has_token(perms, "delete:messages"));
    ck_assert(!aj_claim_has_token(perms, "delete"));
    ck_assert(!aj_claim_has_token(NULL, "read:messages"));
    ck_assert(!aj_claim_has_all(claim("{\"permissions\":[]}", "permissions"), values(read)));
}
END_TEST

#define ROLES "https://example.com/roles"
#define TIER  "https://example.com/tier"

/* clang-format off */
static const struct {
    const char *payload;
    const char *name;
    values_t any;
    int want;
    const char *why;
} equals_cases[] = {
    /* custom claims named by URL, as Auth0 Actions add them */
    {"{\"" ROLES "\":[\"admin\",\"editor\"]}", ROLES, {"admin"}, 1, "an array holding the value"},
    {"{\"" ROLES "\":[\"admin\",\"editor\"]}", ROLES, {"viewer", "editor"}, 1, "one of two values"},
    {"{\"" ROLES "\":[\"admin\",\"editor\"]}", ROLES, {"Admin"}, 0, "values are case-sensitive"},
    {"{\"" ROLES "\":[\"admin\",\"editor\"]}", ROLES, {"adm"}, 0, "a prefix"},
    {"{\"" ROLES "\":\"admin editor\"}", ROLES, {"admin"}, 0, "a string is compared whole"},
    {"{\"" ROLES "\":\"admin\"}", ROLES, {"admin"}, 1, "a string equal to the value"},
    {"{\"" ROLES "\":[]}", ROLES, {"admin"}, 0, "an empty array"},
    {"{\"" ROLES "\":[[\"admin\"]]}", ROLES, {"admin"}, 0, "a nested array"},
    {"{\"" ROLES "\":{\"admin\":true}}", ROLES, {"admin"}, 0, "an object"},
    {"{\"https://example.com/role\":\"admin\"}", ROLES, {"admin"}, 0, "another claim name"},
    {"{\"sub\":\"x\"}", ROLES, {"admin"}, 0, "the claim is missing"},
    {"{\"" ROLES "\":\"admin\"}", ROLES, {NULL}, 0, "no values configured"},
    /* integers, booleans and null compare by their JSON text */
    {"{\"" TIER "\":42}", TIER, {"42"}, 1, "an integer"},
    {"{\"" TIER "\":42}", TIER, {"42.0"}, 0, "not its real form"},
    {"{\"" TIER "\":42}", TIER, {"042"}, 0, "not with a leading zero"},
    {"{\"" TIER "\":-7}", TIER, {"-7"}, 1, "a negative integer"},
    {"{\"" TIER "\":9007199254740993}", TIER, {"9007199254740993"}, 1,
     "an integer beyond double precision"},
    {"{\"" TIER "\":\"42\"}", TIER, {"42"}, 1, "a string of digits"},
    {"{\"" TIER "\":4.5}", TIER, {"4.5"}, 0, "reals never match"},
    {"{\"" TIER "\":[1,2,3]}", TIER, {"2"}, 1, "an array of integers"},
    {"{\"email_verified\":true}", "email_verified", {"true"}, 1, "true"},
    {"{\"email_verified\":false}", "email_verified", {"true"}, 0, "false is not true"},
    {"{\"email_verified\":false}", "email_verified", {"false"}, 1, "false"},
    {"{\"email_verified\":true}", "email_verified", {"1"}, 0, "true is not 1"},
    {"{\"email_verified\":\"true\"}", "email_verified", {"true"}, 1, "the string true"},
    {"{\"org_id\":null}", "org_id", {"null"}, 1, "null"},
    {"{\"org_id\":null}", "org_id", {""}, 0, "null is not empty"},
    {"{\"org_id\":\"\"}", "org_id", {""}, 1, "an empty string"},
    {"{\"https://example.com/flags\":[true,\"beta\"]}", "https://example.com/flags", {"true"}, 1,
     "a boolean in an array"},
};
/* clang-format on */

START_TEST(match_equals_any)
{
    const json_t *c = claim(equals_cases[_i].payload, equals_cases[_i].name);
    ck_assert_msg(aj_claim_equals_any(c, values(equals_cases[_i].any)) == equals_cases[_i].want,
                  "%s", equals_cases[_i].why);
}
END_TEST

Suite *suite_match(void)
{
    Suite *s = suite_create("match");
    TCase *tc = tcase_create("claims");

    tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
    tcase_add_loop_test(tc, match_scope, 0, (int)UNIT_N(scope_cases));
    tcase_add_test(tc, match_permissions);
    tcase_add_loop_test(tc, match_equals_any, 0, (int)UNIT_N(equals_cases));
    suite_add_tcase(s, tc);
    return s;
}
