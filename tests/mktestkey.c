/* mktestkey NAME FILE: write the TEST-ONLY key NAME (tests/testkey.h: its
 * seed is public) to a new key file FILE sealed with the passphrase read
 * from standard input's first line, at libsodium's minimum Argon2id cost so
 * that tests and the demo load keys quickly.  Prints the verifier key.
 * Never use such a key for anything real. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "../keys/keyfile.h"
#include "../keys/passphrase.h"
#include "testkey.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fputs("usage: mktestkey NAME FILE < passphrase\n", stderr);
		return 2;
	}
	if (key_init() != ST_OK)
		return 1;
	char *pass = NULL;
	size_t len = 0;
	errbuf err = {0};
	key_secret *k = test_key(argv[1]);
	status st = k ? passphrase_read_fd(0, &pass, &len, &err) : ST_USAGE;
	const keyfile_kdf kdf = {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
	if (st == ST_OK)
		st = keyfile_create_kdf(argv[2], k, pass, len, &kdf, &err);
	if (st == ST_OK) {
		char vkey[KEY_VKEY_MAX + 1];
		key_vkey_format(key_secret_public(k), vkey);
		puts(vkey);
	} else {
		fprintf(stderr, "mktestkey: %s\n", err_text(&err, st));
	}
	passphrase_free(pass);
	key_secret_free(k);
	return st == ST_OK ? 0 : 1;
}
