-- 004_checkpoints.sql: oversight on the database side.
--
-- The log key (whose verifier key is registered here, once), the signed
-- checkpoints it makes (C2SP tlog-checkpoint), the witnesses' cosignatures
-- (tlog-cosignature/v1), and the complete Merkle subtree hashes that let a
-- checkpoint be made without reading the whole log.  Every table here is
-- append-only, like the log.
--
-- The server computes the tree itself: custos.merkle_fill hashes each new
-- complete block of 256 entries (checking every leaf hash against its
-- note) and the subtrees they complete; custos.merkle_tree_hash(lo, n)
-- gives the RFC 6962 hash of any range from those nodes and at most a few
-- hundred leaves.  A client cannot store a checkpoint whose root is not
-- the one the server computes for its size.  PostgreSQL cannot check an
-- Ed25519 signature; the client verifies the log key's signature before it
-- stores a checkpoint, and the server checks that the signature line names
-- the registered log key.  custos-verify checks everything again offline.

INSERT INTO custos.policy (name, value, description) VALUES
	('checkpoint_interval_entries', 256,
	 'a checkpoint is due when this many entries follow the last one (a two-person '
	 'action makes one due at once; 0: only two-person actions do)');

-- The log key: its name is the log's origin.  Set once by an administrator
-- and never changed: verifiers and witnesses pin it, and a key that could
-- be swapped in the database would let whoever swaps it sign a forked
-- history.  A compromised log key means a new log (a new origin).
CREATE TABLE custos.log_key (
	one    boolean PRIMARY KEY DEFAULT true CHECK (one),
	vkey   text NOT NULL,
	name   text NOT NULL,
	keyid  bytea NOT NULL CHECK (length(keyid) = 4),
	pubkey bytea NOT NULL CHECK (length(pubkey) = 32),
	set_by text NOT NULL,                 -- the administrator's key name
	set_at timestamptz NOT NULL DEFAULT now()
);

-- Complete subtrees of 2^level leaves, level 8 and up: node (level, idx)
-- covers leaves [idx * 2^level, (idx + 1) * 2^level).
CREATE TABLE custos.merkle_node (
	level smallint NOT NULL CHECK (level BETWEEN 8 AND 62),
	idx   bigint NOT NULL CHECK (idx >= 0),
	hash  bytea NOT NULL CHECK (length(hash) = 32),
	PRIMARY KEY (level, idx)
);

-- Checkpoints: the signed note exactly as signed by the log key.
CREATE TABLE custos.checkpoint (
	size    bigint PRIMARY KEY CHECK (size >= 1),
	root    bytea NOT NULL CHECK (length(root) = 32),
	note    bytea NOT NULL CHECK (length(note) BETWEEN 1 AND 65535),
	made_at timestamptz NOT NULL DEFAULT now(),
	made_by text NOT NULL
);

-- Witness cosignatures: one signature line each (without its newline).
CREATE TABLE custos.cosignature (
	size     bigint NOT NULL REFERENCES custos.checkpoint (size),
	line     bytea NOT NULL CHECK (length(line) BETWEEN 1 AND 1024),
	name     text NOT NULL,
	keyid    bytea NOT NULL CHECK (length(keyid) = 4),
	added_at timestamptz NOT NULL DEFAULT now(),
	added_by text NOT NULL,
	PRIMARY KEY (size, line)
);

DO $$
DECLARE t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['log_key', 'merkle_node', 'checkpoint', 'cosignature'] LOOP
		EXECUTE pg_catalog.format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON custos.%I '
					  'FOR EACH ROW EXECUTE FUNCTION custos.log_immutable()',
					  t || '_immutable', t);
		EXECUTE pg_catalog.format('CREATE TRIGGER %I BEFORE TRUNCATE ON custos.%I '
					  'FOR EACH STATEMENT EXECUTE FUNCTION custos.log_immutable()',
					  t || '_no_truncate', t);
	END LOOP;
END $$;

-- Whether the session is the schema's owner (who ran the migrations), as
-- custos.sync_login judges it: benchmarks and repairs run as the owner.
CREATE FUNCTION custos.is_owner() RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, custos AS $$
BEGIN
	RETURN session_user = (SELECT nspowner::regrole::name FROM pg_namespace WHERE nspname = 'custos');
END $$;

-- Whether a note carries two or more signature lines (a two-person entry):
-- after the first "\n\n— " there is another "\n— ".  No text line starts
-- with "— " (docs/log-format.md), so this reads signature lines only.
CREATE FUNCTION custos.note_two_signers(note bytea) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $$
	SELECT position('\x0a0ae2809420'::bytea IN note) > 0
	   AND position('\x0ae2809420'::bytea IN
			substring(note FROM position('\x0a0ae2809420'::bytea IN note) + 2)) > 0
$$;
-- The two-person entries, to find the first one after the last checkpoint.
CREATE INDEX log_entry_two_person ON custos.log_entry (idx)
	WHERE custos.note_two_signers(note);

-- RFC 6962 hash of leaves[lo, lo + n), n from 1 to 256, read from the log:
-- pairs adjacent hashes level by level, carrying an odd last one up (the
-- same tree as the RFC's split at the largest power of two).
CREATE FUNCTION custos.merkle_leaves_hash(lo bigint, n integer) RETURNS bytea
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, custos AS $$
DECLARE h bytea[]; w integer; i integer;
BEGIN
	IF n < 1 OR n > 256 THEN
		RAISE EXCEPTION 'custos: merkle_leaves_hash: % leaves', n;
	END IF;
	SELECT array_agg(leaf ORDER BY idx) INTO h
	  FROM custos.log_entry WHERE idx >= lo AND idx < lo + n;
	IF coalesce(array_length(h, 1), 0) <> n THEN
		RAISE EXCEPTION 'custos: the log has no entries % to %', lo, lo + n - 1;
	END IF;
	w := n;
	WHILE w > 1 LOOP
		FOR i IN 0 .. w / 2 - 1 LOOP
			h[i + 1] := sha256('\x01'::bytea || h[2 * i + 1] || h[2 * i + 2]);
		END LOOP;
		IF w % 2 = 1 THEN
			h[w / 2 + 1] := h[w];
		END IF;
		w := (w + 1) / 2;
	END LOOP;
	RETURN h[1];
END $$;

-- Store the complete subtrees of the first `upto` leaves that are not
-- stored yet.  Each new block's leaf hashes are checked against its notes
-- (SHA-256(0x00 || note)) first.  Serialised by an advisory lock.
CREATE FUNCTION custos.merkle_fill(upto bigint) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, custos AS $$
DECLARE b bigint; done bigint; lvl integer; i bigint; h bytea; bad bigint;
BEGIN
	PERFORM pg_advisory_xact_lock(7268853);
	SELECT coalesce(max(idx) + 1, 0) INTO done FROM custos.merkle_node WHERE level = 8;
	FOR b IN done .. upto / 256 - 1 LOOP
		SELECT idx INTO bad FROM custos.log_entry
		 WHERE idx >= b * 256 AND idx < b * 256 + 256
		   AND leaf <> sha256('\x00'::bytea || note)
		 ORDER BY idx LIMIT 1;
		IF FOUND THEN
			RAISE EXCEPTION 'custos: log entry %: its leaf hash is not SHA-256(0x00 || note)', bad;
		END IF;
		h := custos.merkle_leaves_hash(b * 256, 256);
		INSERT INTO custos.merkle_node VALUES (8, b, h);
		-- Every subtree this block completes.
		lvl := 8; i := b;
		WHILE i % 2 = 1 LOOP
			SELECT sha256('\x01'::bytea || l.hash || h) INTO h
			  FROM custos.merkle_node l WHERE l.level = lvl AND l.idx = i - 1;
			lvl := lvl + 1; i := i / 2;
			INSERT INTO custos.merkle_node VALUES (lvl, i, h);
		END LOOP;
	END LOOP;
END $$;

-- RFC 6962 hash of the n leaves from lo (n >= 0; the empty tree's hash for
-- 0), from stored subtrees where they exist and leaves where they do not.
-- Ranges are those of RFC 9162's proofs: a power-of-two range starts at a
-- multiple of its size.
CREATE FUNCTION custos.merkle_tree_hash(lo bigint, n bigint) RETURNS bytea
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, custos AS $$
DECLARE k bigint; h bytea;
BEGIN
	IF n = 0 THEN
		RETURN sha256(''::bytea);
	END IF;
	IF n <= 256 THEN
		RETURN custos.merkle_leaves_hash(lo, n::integer);
	END IF;
	IF n & (n - 1) = 0 AND lo % n = 0 THEN
		SELECT hash INTO h FROM custos.merkle_node
		 WHERE level = length(ltrim((n - 1)::bit(63)::text, '0')) AND idx = lo / n;
		IF FOUND THEN
			RETURN h;
		END IF;
		k := n / 2;
	ELSE
		k := 1::bigint << (length(ltrim((n - 1)::bit(63)::text, '0')) - 1);
	END IF;
	RETURN sha256('\x01'::bytea || custos.merkle_tree_hash(lo, k) ||
		      custos.merkle_tree_hash(lo + k, n - k));
END $$;

-- The root of the first `sz` entries, after checking what a checkpoint
-- would otherwise sign blindly: the leaf hashes of the last, incomplete
-- block against their notes, and that the log still gives the root of the
-- latest checkpoint before `sz` (entries altered since would not).
CREATE FUNCTION custos.checkpoint_root_checked(sz bigint) RETURNS bytea
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, custos AS $$
DECLARE bad bigint; ps bigint; pr bytea;
BEGIN
	PERFORM custos.merkle_fill(sz);
	SELECT idx INTO bad FROM custos.log_entry
	 WHERE idx >= sz / 256 * 256 AND idx < sz AND leaf <> sha256('\x00'::bytea || note)
	 ORDER BY idx LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'custos: log entry %: its leaf hash is not SHA-256(0x00 || note)', bad;
	END IF;
	SELECT size, root INTO ps, pr FROM custos.checkpoint WHERE size < sz ORDER BY size DESC LIMIT 1;
	IF FOUND AND custos.merkle_tree_hash(0, ps) <> pr THEN
		RAISE EXCEPTION 'custos: the log no longer gives the root of the checkpoint of % entries: '
			'entries before it were altered', ps;
	END IF;
	RETURN custos.merkle_tree_hash(0, sz);
END $$;

-- The root of the first `sz` entries, for a checkpoint about to be signed:
-- fills the stored subtrees first, so the next checkpoint reads only the
-- entries that follow.
CREATE FUNCTION custos.checkpoint_root(sz bigint) RETURNS bytea
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, custos AS $$
BEGIN
	IF NOT custos.is_owner() AND NOT EXISTS (SELECT FROM custos.person_role
			WHERE person = custos.me() AND role IN ('administrator', 'custodian', 'alternate')) THEN
		RAISE EXCEPTION 'custos: only an administrator, custodian or alternate makes checkpoints'
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF sz < 1 OR sz > (SELECT size FROM custos.log_head) THEN
		RAISE EXCEPTION 'custos: no checkpoint of size % for a log of % entries', sz,
			(SELECT size FROM custos.log_head);
	END IF;
	RETURN custos.checkpoint_root_checked(sz);
END $$;

-- Register the log key (verifier key string name+hexid+base64(0x01||pk)).
-- Only an administrator, only once, and only a key named for the origin
-- whose key ID and public key agree with the string.
CREATE FUNCTION custos.log_key_set(v text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, custos AS $$
DECLARE o text; nm text; id bytea; pk bytea;
BEGIN
	IF NOT custos.is_owner() AND NOT custos.is_administrator() THEN
		RAISE EXCEPTION 'custos: only an administrator registers the log key'
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	SELECT origin INTO o FROM custos.log_head;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'custos: the log has no head; run custos db init';
	END IF;
	IF EXISTS (SELECT FROM custos.log_key) THEN
		RAISE EXCEPTION 'custos: the log key is already registered; it never changes'
			USING ERRCODE = 'unique_violation';
	END IF;
	IF v !~ '^[^+]+\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$' THEN
		RAISE EXCEPTION 'custos: not an Ed25519 verifier key';
	END IF;
	nm := split_part(v, '+', 1);
	IF nm <> o THEN
		RAISE EXCEPTION 'custos: the log key must be named for the log''s origin %', o;
	END IF;
	pk := decode(substring(v FROM length(nm) + 11), 'base64');
	IF length(pk) <> 33 OR get_byte(pk, 0) <> 1 THEN
		RAISE EXCEPTION 'custos: not an Ed25519 verifier key';
	END IF;
	pk := substring(pk FROM 2);
	id := substring(sha256(convert_to(nm, 'UTF8') || '\x0a01'::bytea || pk) FROM 1 FOR 4);
	IF encode(id, 'hex') <> split_part(v, '+', 2) THEN
		RAISE EXCEPTION 'custos: the verifier key''s ID does not match its name and key';
	END IF;
	INSERT INTO custos.log_key (vkey, name, keyid, pubkey, set_by)
	VALUES (v, nm, id, pk, coalesce(custos.me(), session_user));
END $$;

-- Store a checkpoint note signed by the log key, for the first `size`
-- entries.  The server fills its subtrees, computes the root itself and
-- requires the note to be exactly body || "\n— " || origin || " " ||
-- base64(log key ID || 64-byte signature) || "\n".  Returns true if stored,
-- false if a checkpoint of that size was stored already (with the
-- deterministic Ed25519 signature it is the same note).
CREATE FUNCTION custos.checkpoint_store(n bytea, sz bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, custos AS $$
DECLARE k custos.log_key; hs bigint; r bytea; body bytea; sig bytea; rest bytea;
BEGIN
	IF NOT custos.is_owner() AND NOT EXISTS (SELECT FROM custos.person_role
			WHERE person = custos.me() AND role IN ('administrator', 'custodian', 'alternate')) THEN
		RAISE EXCEPTION 'custos: only an administrator, custodian or alternate stores checkpoints'
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	SELECT * INTO k FROM custos.log_key;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'custos: no log key is registered (custos log key set VKEY)';
	END IF;
	SELECT size INTO hs FROM custos.log_head;
	IF sz < 1 OR sz > hs THEN
		RAISE EXCEPTION 'custos: a checkpoint of size % for a log of % entries', sz, hs;
	END IF;
	-- One checkpoint maker at a time (the lock merkle_fill takes), so a
	-- second one of the same size sees the first and stores nothing.
	PERFORM pg_advisory_xact_lock(7268853);
	IF EXISTS (SELECT FROM custos.checkpoint WHERE size = sz) THEN
		RETURN false;
	END IF;
	r := custos.checkpoint_root_checked(sz);
	body := convert_to(k.name || E'\n' || sz || E'\n' || encode(r, 'base64') || E'\n', 'UTF8');
	IF substring(n FROM 1 FOR length(body)) IS DISTINCT FROM body THEN
		RAISE EXCEPTION 'custos: the checkpoint''s text is not the log''s origin, size % and root %',
			sz, encode(r, 'base64');
	END IF;
	rest := substring(n FROM length(body) + 1);
	IF substring(rest FROM 1 FOR length(convert_to(k.name, 'UTF8')) + 6)
	   IS DISTINCT FROM '\x0ae2809420'::bytea || convert_to(k.name || ' ', 'UTF8')
	   OR length(rest) <> length(convert_to(k.name, 'UTF8')) + 6 + 92 + 1
	   OR get_byte(rest, length(rest) - 1) <> 10 THEN
		RAISE EXCEPTION 'custos: a checkpoint carries exactly one signature line, by the log key %', k.name;
	END IF;
	sig := decode(convert_from(substring(rest FROM length(rest) - 92 FOR 92), 'UTF8'), 'base64');
	IF length(sig) <> 68 OR substring(sig FROM 1 FOR 4) <> k.keyid THEN
		RAISE EXCEPTION 'custos: the checkpoint''s signature is not by the registered log key';
	END IF;
	INSERT INTO custos.checkpoint (size, root, note, made_by) VALUES (sz, r, n, coalesce(custos.me(), session_user));
	RETURN true;
END $$;

-- Add one witness cosignature line (without its newline) to the stored
-- checkpoint of `sz` entries.  The client has checked that the witness's
-- note has this checkpoint's body and, with a policy, that the line
-- verifies.  Here: the line's form "— NAME base64(keyid || time || sig)"
-- (76 bytes), not the log key's own line.  True if new, false if stored already.
CREATE FUNCTION custos.cosignature_add(sz bigint, l bytea) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, custos AS $$
DECLARE t text; nm text; b bytea;
BEGIN
	IF NOT custos.is_owner() AND NOT custos.sees_all() THEN
		RAISE EXCEPTION 'custos: only an administrator, auditor or authority stores cosignatures'
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF NOT EXISTS (SELECT FROM custos.checkpoint WHERE size = sz) THEN
		RAISE EXCEPTION 'custos: no checkpoint of size % is stored', sz;
	END IF;
	t := convert_from(l, 'UTF8');
	IF t !~ '^— [^ ]+ [A-Za-z0-9+/]+=*$' THEN
		RAISE EXCEPTION 'custos: not a cosignature line';
	END IF;
	nm := split_part(t, ' ', 2);
	b := decode(split_part(t, ' ', 3), 'base64');
	IF length(b) <> 76 THEN
		RAISE EXCEPTION 'custos: a tlog-cosignature/v1 signature is 76 bytes, not %', length(b);
	END IF;
	IF EXISTS (SELECT FROM custos.cosignature WHERE size = sz AND line = l) THEN
		RETURN false;
	END IF;
	INSERT INTO custos.cosignature (size, line, name, keyid, added_by)
	VALUES (sz, l, nm, substring(b FROM 1 FOR 4), coalesce(custos.me(), session_user));
	RETURN true;
END $$;

-- Whether a checkpoint is due: entries follow the last checkpoint and one
-- of them is a two-person action, or checkpoint_interval_entries of them.
-- since_idx: the first entry no checkpoint covers; two_person_idx: the
-- first two-person entry from there (NULL if none); due_at: the time of
-- the entry that made it due.
CREATE FUNCTION custos.checkpoint_due(OUT due boolean, OUT size bigint, OUT last_size bigint,
				      OUT since_idx bigint, OUT two_person_idx bigint,
				      OUT interval_entries bigint, OUT due_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, custos AS $$
BEGIN
	SELECT h.size INTO size FROM custos.log_head h;
	IF NOT FOUND THEN
		size := 0;
	END IF;
	SELECT coalesce(max(c.size), 0) INTO last_size FROM custos.checkpoint c;
	since_idx := last_size;
	SELECT coalesce(max(value) FILTER (WHERE name = 'checkpoint_interval_entries'), 256)
	  INTO interval_entries FROM custos.policy;
	SELECT e.idx, e.time INTO two_person_idx, due_at FROM custos.log_entry e
	 WHERE e.idx >= last_size AND custos.note_two_signers(e.note)
	 ORDER BY e.idx LIMIT 1;
	due := two_person_idx IS NOT NULL;
	IF interval_entries > 0 AND size - last_size >= interval_entries THEN
		due := true;
		IF two_person_idx IS NULL OR two_person_idx > last_size + interval_entries - 1 THEN
			SELECT e.time INTO due_at FROM custos.log_entry e
			 WHERE e.idx = last_size + interval_entries - 1;
		END IF;
	END IF;
	IF NOT due THEN
		due_at := NULL;
	END IF;
END $$;

REVOKE ALL ON FUNCTION custos.is_owner(), custos.note_two_signers(bytea), custos.merkle_leaves_hash(bigint, integer),
	custos.merkle_fill(bigint), custos.merkle_tree_hash(bigint, bigint),
	custos.log_key_set(text), custos.checkpoint_store(bytea, bigint),
	custos.checkpoint_root(bigint), custos.checkpoint_root_checked(bigint),
	custos.cosignature_add(bigint, bytea), custos.checkpoint_due() FROM PUBLIC;
-- Leaf and subtree hashes reveal nothing of an entry (each hash covers its
-- signatures), so every signer may compute proofs for the entries they see.
GRANT EXECUTE ON FUNCTION custos.note_two_signers(bytea), custos.merkle_leaves_hash(bigint, integer),
	custos.merkle_tree_hash(bigint, bigint), custos.checkpoint_due()
	TO custos_administrator, custos_custodian, custos_holder, custos_auditor;
GRANT EXECUTE ON FUNCTION custos.checkpoint_store(bytea, bigint), custos.checkpoint_root(bigint)
	TO custos_administrator, custos_custodian;
GRANT EXECUTE ON FUNCTION custos.log_key_set(text) TO custos_administrator;
GRANT EXECUTE ON FUNCTION custos.cosignature_add(bigint, bytea)
	TO custos_administrator, custos_auditor;
GRANT SELECT ON custos.log_key, custos.merkle_node, custos.checkpoint, custos.cosignature
	TO custos_administrator, custos_custodian, custos_holder, custos_auditor;
