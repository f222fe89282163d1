#include "pem.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

status pem_public_key(const key_public *pub, char **out, errbuf *err)
{
	EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub->pk,
						     KEY_PK_LEN);
	BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	long n;
	status st = ST_OK;

	*out = NULL;
	if (pkey == NULL || bio == NULL || PEM_write_bio_PUBKEY(bio, pkey) != 1 ||
	    (n = BIO_get_mem_data(bio, &data)) <= 0) {
		st = err_set(err, ST_CRYPTO, "OpenSSL could not encode the public key of %s "
			     "as PEM", pub->name);
		goto out;
	}
	*out = malloc((size_t)n + 1);
	if (*out == NULL) {
		st = err_set(err, ST_NOMEM, "out of memory");
		goto out;
	}
	memcpy(*out, data, (size_t)n);
	(*out)[n] = '\0';
out:
	ERR_clear_error();
	BIO_free(bio);
	EVP_PKEY_free(pkey);
	return st;
}
