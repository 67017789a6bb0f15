/*
 * aj_pkey_memo.h: public keys built once per process. Turning a JWK's numbers
 * into an OpenSSL key costs more than a signature check for EC keys (OpenSSL 3
 * builds the curve for every import: about 40 us for P-256), and a DPoP proof
 * carries its key in every request. So keys are remembered by a SHA-256 of
 * their type and exact public numbers, and a key met again is the same
 * EVP_PKEY, shared (OpenSSL keys may be used by several threads at once).
 *
 * Only keys that passed every check are remembered; a memo hit is the key
 * those same numbers gave before, so it passes them again. The table is small
 * and fixed (a slot per digest, the newest key wins), split into shards with a
 * lock each, held only to copy a pointer.
 */
#ifndef AJ_PKEY_MEMO_H
#define AJ_PKEY_MEMO_H

#include <stddef.h>

#include <openssl/evp.h>

/*
 * The key of this type ("EC", "RSA") and these public numbers (parts[i] of
 * lens[i] bytes), if remembered: a new reference the caller frees (NULL when
 * not). digest receives the name to give aj_pkey_memo_put().
 */
EVP_PKEY *aj_pkey_memo_get(unsigned char digest[32], const char *type,
                           const unsigned char *const *parts, const size_t *lens, int n);

/* Remember pkey (which takes a reference of its own) under digest. */
void aj_pkey_memo_put(const unsigned char digest[32], EVP_PKEY *pkey);

/* In a child process after fork(): the shard locks start unlocked. */
void aj_pkey_memo_after_fork(void);

#endif
