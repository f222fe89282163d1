/* policy.h: the verifier's trust policy, C2SP tlog-policy
 * (c2sp.org/tlog-policy), and checking a checkpoint against it.
 *
 * A policy file is lines of words separated by spaces or tabs:
 *   log <vkey> [<url>]                 a log key (signed-note Ed25519, type
 *                                      0x01); its name must be the origin
 *   witness <name> <vkey> [<url>]      a witness (cosigner key, type 0x04)
 *   group <name> <k|all|any> <member>...
 *   quorum <name|none>                 exactly once
 * Empty lines and lines starting with '#' (after optional white space) are
 * ignored.  Names are opaque bytes; a group or the quorum may only name
 * witnesses and groups defined on earlier lines; a member appears at most
 * once in a group; 1 <= k <= members; `none` is not a member; no two logs
 * and no two witnesses share a public key.  Only tab, newline and bytes
 * 0x20-0x7E, 0x80-0xFF are allowed.  Errors name the line. */
#ifndef CUSTOS_POLICY_H
#define CUSTOS_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "../keys/key.h"
#include "note.h"
#include "status.h"
#include "tlog.h"

/* Our limits (the spec recommends supporting at least 32 of each). */
#define POLICY_MAX_LOGS 32
#define POLICY_MAX_WITNESSES 64
#define POLICY_MAX_GROUPS 64
#define POLICY_MAX_MEMBERS 64
#define POLICY_NAME_MAX 128
#define POLICY_FILE_MAX (1u << 20)

/* A name of the policy: a witness (is_group false, index into witnesses)
 * or a group (index into groups). */
typedef struct policy_ref {
	bool is_group;
	size_t index;
} policy_ref;

typedef struct policy_witness {
	char name[POLICY_NAME_MAX + 1];
	key_public key; /* key.id is the cosigner key ID (type 0x04) */
} policy_witness;

typedef struct policy_group {
	char name[POLICY_NAME_MAX + 1];
	size_t k;          /* threshold, 1 <= k <= nmembers */
	size_t nmembers;
	policy_ref members[POLICY_MAX_MEMBERS];
} policy_group;

typedef struct policy {
	key_public logs[POLICY_MAX_LOGS];
	size_t nlogs;
	policy_witness witnesses[POLICY_MAX_WITNESSES];
	size_t nwitnesses;
	policy_group groups[POLICY_MAX_GROUPS];
	size_t ngroups;
	bool quorum_none;  /* `quorum none`: no cosignature needed */
	policy_ref quorum; /* otherwise */
} policy;

/* Parse text[0..len) into *p.  ST_FORMAT with err "line N: ..." on any
 * departure from the grammar above; *p is then unspecified. */
status policy_parse(const char *text, size_t len, policy *p, errbuf *err) CUSTOS_WARN_UNUSED;

/* Read and parse the file at path (at most POLICY_FILE_MAX bytes, a
 * regular file); errors name the file.  Reading fails as rfile_read. */
status policy_load(const char *path, policy *p, errbuf *err) CUSTOS_WARN_UNUSED;

/* True if the quorum is met when witnessed[i] tells whether witness i
 * cosigned (witnessed has p->nwitnesses elements). */
bool policy_quorum_met(const policy *p, const bool *witnessed);

/* What policy_check_checkpoint found. */
typedef struct policy_result {
	const key_public *log;                   /* the log key that signed */
	bool cosigned[POLICY_MAX_WITNESSES];     /* valid cosignature per witness */
	uint64_t cosig_time[POLICY_MAX_WITNESSES];
	size_t ncosigned;
} policy_result;

/* ST_OK if the parsed checkpoint note n (with body cp) carries a valid
 * signature by a log key of the policy whose name is cp->origin; *log (may
 * be NULL) receives that key.  ST_NOSIG if no log key is named for the
 * origin or none signed; ST_BADSIG if such a signature does not verify. */
status policy_check_log(const policy *p, const note *n, const tlog_checkpoint *cp,
			const key_public **log, errbuf *err) CUSTOS_WARN_UNUSED;

/* Parse the signed checkpoint note in[0..len) into *cp and check it
 * against the policy: a log key whose name is the origin must sign it
 * (ST_NOSIG / ST_BADSIG otherwise), every witness's cosignature line must
 * verify if present (ST_BADSIG), and the cosigning witnesses must meet
 * the quorum (ST_NOSIG, saying how many cosigned).  res may be NULL. */
status policy_check_checkpoint(const policy *p, const char *in, size_t len,
			       tlog_checkpoint *cp, policy_result *res, errbuf *err)
	CUSTOS_WARN_UNUSED;

#endif
