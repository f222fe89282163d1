# tests/tls_lib.sh: throwaway certificates for TLS to a local PostgreSQL
# (the demo and the failover test).  TEST ONLY: the keys are unencrypted.
#
#   tls_make DIR [DAYS]   valid for DAYS (2 by default); in DIR: ca.crt (the CA custos trusts), server.crt and
#                  server.key (CN and subjectAltName localhost, signed by
#                  that CA), client.crt and client.key (CN "custos client",
#                  the same CA), and other.crt, the certificate of another
#                  CA that signed none of them (a wrong sslrootcert).
tls_make() {
	local d=$1 days=${2:-2}
	mkdir -p "$d"
	(
		cd "$d" || exit 1
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days "$days" \
			-subj "/CN=custos test CA (TEST ONLY)" -keyout ca.key -out ca.crt 2>/dev/null &&
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days "$days" \
			-subj "/CN=another CA (TEST ONLY)" -keyout other.key -out other.crt 2>/dev/null &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-subj "/CN=localhost" -keyout server.key -out server.csr 2>/dev/null &&
		printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n' >server.ext &&
		openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days "$days" \
			-extfile server.ext -out server.crt 2>/dev/null &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-subj "/CN=custos client" -keyout client.key -out client.csr 2>/dev/null &&
		printf 'extendedKeyUsage=clientAuth\n' >client.ext &&
		openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days "$days" \
			-extfile client.ext -out client.crt 2>/dev/null
	) || { echo "tls_lib: cannot make the test certificates" >&2; return 1; }
	chmod 600 "$d"/*.key
}
