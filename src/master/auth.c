/* auth.c - password hashing with Argon2id (libsodium). */
#include <sodium.h>
#include <string.h>

#include "master.h"

/* Hashes pw into out (crypto_pwhash_STRBYTES fits in 160); 0 or -1. */
int
auth_hash_password(const char *pw, char out[160])
{
	if (crypto_pwhash_str_alg(out, pw, strlen(pw),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13)
	    != 0)
		return -1;
	return 0;
}

/* 0 when pw matches hash, -1 otherwise. */
int
auth_check_password(const char *hash, const char *pw)
{
	return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0 ? 0 : -1;
}
