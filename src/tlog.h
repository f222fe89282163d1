/* tlog.h: the C2SP transparency-log formats custos uses for oversight.
 *
 *   tlog-checkpoint      c2sp.org/tlog-checkpoint  (a signed note: origin,
 *                        size, base64 RFC 6962 root)
 *   tlog-cosignature/v1  c2sp.org/tlog-cosignature (Ed25519 witness
 *                        cosignatures, key type byte 0x04)
 *   tlog-tiles           c2sp.org/tlog-tiles       (hash tiles of height 8
 *                        and entry bundles, as files under a folder)
 *   tlog-proof           c2sp.org/tlog-proof@v1    (inclusion proof +
 *                        checkpoint, a self-contained receipt)
 *
 * No libpq here: custos-verify links this module.  Every parser is strict
 * (exactly one accepted byte sequence per content) and names what is wrong
 * in err. */
#ifndef CUSTOS_TLOG_H
#define CUSTOS_TLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../keys/key.h"
#include "merkle.h"
#include "note.h"
#include "status.h"

/* The longest origin line we accept (bytes, without the newline). */
#define TLOG_ORIGIN_MAX 255
/* Room for any path tlog_tile_path / tlog_entries_path writes, NUL included:
 * "tile/entries/" + 7 x "xNNN/" + "NNN" + ".p/255". */
#define TLOG_PATH_MAX 80
/* Tile height 8: 256 hashes (or entries) per full tile. */
#define TLOG_TILE_WIDTH 256
/* Key type byte of an Ed25519 tlog-cosignature/v1 cosigner key. */
#define TLOG_COSIG_TYPE_ED25519 0x04
/* A cosignature's signature bytes: key ID, big-endian time, Ed25519 sig. */
#define TLOG_COSIG_LEN (KEY_ID_LEN + 8 + KEY_SIG_LEN)
/* The first line of a tlog-proof file. */
#define TLOG_PROOF_HEADER "c2sp.org/tlog-proof@v1"

typedef struct tlog_checkpoint {
	char origin[TLOG_ORIGIN_MAX + 1]; /* NUL-terminated */
	uint64_t size;
	merkle_hash root;
} tlog_checkpoint;

/* ---- tlog-checkpoint ---------------------------------------------------- */

/* The checkpoint body "origin\nsize\nbase64(root)\n" into a new malloc'd,
 * NUL-terminated string *out of length *len.  ST_USAGE if origin is empty,
 * longer than TLOG_ORIGIN_MAX, or not a valid note line (control
 * characters, invalid UTF-8, starts with "— "). */
status tlog_checkpoint_body(const char *origin, uint64_t size, const merkle_hash root,
			    char **out, size_t *len, errbuf *err) CUSTOS_WARN_UNUSED;

/* Parse a checkpoint body alone (text ending in a newline, no signatures):
 * exactly three lines, origin non-empty (at most TLOG_ORIGIN_MAX bytes),
 * size in decimal without leading zeros (fits in uint64), root canonical
 * base64 of 32 bytes.  Extension lines are refused: custos never writes
 * them and a verifier cannot judge them. */
status tlog_checkpoint_body_parse(const char *text, size_t len, tlog_checkpoint *cp,
				  errbuf *err) CUSTOS_WARN_UNUSED;

/* Parse a signed checkpoint note in[0..len) (body + blank line + signature
 * lines, strict as note_parse) into *cp and *n (n points into in, which
 * must outlive it).  No signature is verified here: verify the log's with
 * note_verify and witnesses' with tlog_cosig_verify. */
status tlog_checkpoint_parse(const char *in, size_t len, tlog_checkpoint *cp, note *n,
			     errbuf *err) CUSTOS_WARN_UNUSED;

/* ---- tlog-cosignature/v1 ------------------------------------------------ */

/* The cosigner key ID SHA-256(name || 0x0A || 0x04 || pk)[:4]. */
void tlog_cosig_keyid(const char *name, size_t namelen, const uint8_t pk[KEY_PK_LEN],
		      uint8_t id[KEY_ID_LEN]);

/* The cosigner verifier key "name+hexid+base64(0x04 || pk)" of pub (only
 * pub->name and pub->pk are used) into out (room for KEY_VKEY_MAX + 1).
 * Returns its length. */
size_t tlog_cosig_vkey_format(const key_public *pub, char *out);

/* Parse a cosigner verifier key s[0..len) (type byte 0x04, the ID must
 * match).  out->id receives the cosignature key ID. */
status tlog_cosig_vkey_parse(const char *s, size_t len, key_public *out, errbuf *err)
	CUSTOS_WARN_UNUSED;

/* Cosign the checkpoint body[0..bodylen) (which must parse with
 * tlog_checkpoint_body_parse) at time_s (POSIX seconds, at most 2^63 - 1):
 * signs "cosignature/v1\ntime <time_s>\n" || body with the witness key and
 * returns the signature line "— <name> base64(keyid || u64be time || sig)\n"
 * in a new malloc'd NUL-terminated *line of length *linelen.  The key ID is
 * the cosigner ID (type 0x04), not the key's note-signing ID. */
status tlog_cosign(const key_secret *witness, const char *body, size_t bodylen,
		   uint64_t time_s, char **line, size_t *linelen, errbuf *err)
	CUSTOS_WARN_UNUSED;

/* ST_OK if the parsed checkpoint note n carries a valid cosignature by
 * `witness` (its name and pk; the cosigner key ID is recomputed from them,
 * witness->id is not used); *time_s (may be NULL) receives its timestamp.
 * ST_NOSIG if no signature line has the witness's name and cosigner key ID;
 * ST_BADSIG if one has but does not verify (wrong length, time above
 * 2^63 - 1, or a bad Ed25519 signature). */
status tlog_cosig_verify(const key_public *witness, const note *n, uint64_t *time_s,
			 errbuf *err) CUSTOS_WARN_UNUSED;

/* The longest cosignature line tlog_cosig_line_verify takes. */
#define TLOG_COSIG_LINE_MAX 1024

/* The server's check of one cosignature line before it stores it
 * (src/pg/custos_pg.c): line[0..linelen), without its newline, at most
 * TLOG_COSIG_LINE_MAX bytes and with no newline inside, appended alone to
 * the body of the signed checkpoint cp[0..cplen), must be a valid
 * cosignature by `witness` (tlog_cosig_verify); *time_s (may be NULL)
 * receives its timestamp.  ST_FORMAT if the checkpoint or the line does
 * not parse (err says which), otherwise tlog_cosig_verify's status. */
status tlog_cosig_line_verify(const char *cp, size_t cplen, const char *line, size_t linelen,
			      const key_public *witness, uint64_t *time_s,
			      errbuf *err) CUSTOS_WARN_UNUSED;

/* ---- tlog-tiles --------------------------------------------------------- */

/* Path, relative to the bundle folder, of hash tile (level, index) with
 * `width` hashes: "tile/<L>/<N>" when width is 256, else
 * "tile/<L>/<N>.p/<width>" (width 1..255).  <N> is split into 3-digit
 * elements, all but the last prefixed by 'x' (1234067 -> x001/x234/067). */
void tlog_tile_path(char out[TLOG_PATH_MAX], int level, uint64_t index, unsigned width);

/* Path, relative to the bundle folder, of entry bundle `index`:
 * "tile/entries/<N>[.p/<W>]". */
void tlog_entries_path(char out[TLOG_PATH_MAX], uint64_t index, unsigned width);

/* Write data[0..len) to dir/relpath atomically: missing folders are made
 * (mode 0755), the data goes to a temporary file in the same folder, is
 * fsynced, then renamed over relpath.  relpath must be relative and may
 * not contain ".." elements. */
status tlog_file_write(const char *dir, const char *relpath, const void *data, size_t len,
		       errbuf *err) CUSTOS_WARN_UNUSED;

/* Write every hash tile of the tree of size n over leaves[0..n) under dir
 * (paths from tlog_tile_path), skipping the tiles that were already full
 * in the tree of size `since` (since = 0: write all; since > n: ST_USAGE).
 * Partial tiles of size n are always written.  Each file atomic as
 * tlog_file_write. */
status tlog_tiles_write(const char *dir, const merkle_hash *leaves, uint64_t n,
			uint64_t since, errbuf *err) CUSTOS_WARN_UNUSED;

/* How many hashes the tile (level, index) holds in a tree of size n:
 * 256 when full, 1..255 when partial, 0 when the tree has no such tile. */
unsigned tlog_tile_width(uint64_t n, int level, uint64_t index);

/* ---- consistency / proof hash lists ------------------------------------- */

/* Hashes as text, one canonical base64 hash per line ("" for none), in a
 * new malloc'd NUL-terminated *out.  The format of DIR/consistency/<m>. */
status tlog_hashes_format(const merkle_hash *h, size_t n, char **out, size_t *outlen,
			  errbuf *err) CUSTOS_WARN_UNUSED;

/* Parse that format: each line exactly one canonical base64 32-byte hash
 * and a newline; at most MERKLE_MAX_PROOF lines. */
status tlog_hashes_parse(const char *text, size_t len, merkle_hash h[MERKLE_MAX_PROOF],
			 size_t *n, errbuf *err) CUSTOS_WARN_UNUSED;

/* ---- tlog-proof --------------------------------------------------------- */

/* A tlog-proof file in text form:
 *   c2sp.org/tlog-proof@v1\n
 *   [extra <base64(extra)>\n]
 *   index <index>\n
 *   <base64 hash>\n ... (the inclusion proof, leaf's sibling first)
 *   \n
 *   <the checkpoint note, verbatim>
 * `extra` (NULL for none) is opaque bytes given as a NUL-terminated string;
 * it is base64-encoded here.  The checkpoint note must parse with
 * tlog_checkpoint_parse and index must be below its size.  Result in a new
 * malloc'd NUL-terminated *out of length *outlen. */
status tlog_proof_format(uint64_t index, const merkle_hash *proof, size_t len,
			 const char *checkpoint_note, size_t cplen, const char *extra,
			 char **out, size_t *outlen, errbuf *err) CUSTOS_WARN_UNUSED;

typedef struct tlog_proof {
	uint64_t index;
	merkle_hash proof[MERKLE_MAX_PROOF];
	size_t prooflen;
	const char *extra_b64; /* into the caller's input; NULL if none */
	size_t extra_b64len;
	const char *checkpoint; /* the checkpoint note, into the caller's input */
	size_t checkpointlen;
} tlog_proof;

/* Parse a tlog-proof file in[0..len) strictly into *p (pointers into in).
 * The checkpoint part is only located here: parse it with
 * tlog_checkpoint_parse and check the proof with tlog_proof_check. */
status tlog_proof_parse(const char *in, size_t len, tlog_proof *p, errbuf *err)
	CUSTOS_WARN_UNUSED;

/* ST_OK if p's inclusion proof proves `leaf` at p->index in the tree of cp
 * (size and root); ST_PROOF otherwise (index not below the size, or the
 * proof does not lead to the root). */
status tlog_proof_check(const tlog_proof *p, const tlog_checkpoint *cp, const merkle_hash leaf,
			errbuf *err) CUSTOS_WARN_UNUSED;

#endif
