/* cli.c: the table of command-line verbs (see cli.h), the dispatch from
 * it, and the usage and help made from it. */
#include "cli.h"

#include <string.h>

#include "entry.h"
#include "safeprint.h"

#define ECHO_MAX 80 /* bytes of a user's input echoed in an error */

/* Options every signing verb takes, its second signer's, its items'. */
#define SIGN "--key --passphrase-fd --idempotency-key --text --text-file --log-key " \
	     "--log-passphrase-fd --retry-seconds --db --json"
#define WIT " --witness-key --witness-passphrase-fd"
#define ITEMS " --item --serial --items"
#define PAGING "Pages of --limit N rows (1 to 1000, default 50); --after CURSOR starts\n" \
	       "after the page that printed it.\n"

#define G_KEYS "keys"
#define G_DB "the database"
#define G_PEOPLE "people and accounts"
#define G_MATERIAL "material (each a signed log entry)"
#define G_QUERIES "queries"
#define G_LOG "the log and its oversight"
#define G_POLICY "policy"
#define G_REPORTS "reports"

static const cli_verb verbs[] = {
	/* keys */
	{"key new", G_KEYS, cli_key, CLI_KEY_NEW, NULL,
	 "--name NAME --out FILE [--passphrase-fd N]", "--name --out --passphrase-fd",
	 "Make a key pair named NAME.  The secret key goes to FILE (created with\n"
	 "mode 0600; an existing FILE is never overwritten), sealed with a\n"
	 "passphrase asked twice on the terminal, or read as one line from file\n"
	 "descriptor N.  The public key is printed as a C2SP verifier key.\n"},
	{"key pub", G_KEYS, cli_key, CLI_KEY_PUB, "FILE", "[--pem] FILE", "--pem",
	 "Print the public key of secret key file FILE as a C2SP verifier key\n"
	 "(name+keyid+base64), or with --pem as PEM SubjectPublicKeyInfo for\n"
	 "openssl.  No passphrase is needed.\n"},
	{"key passwd", G_KEYS, cli_key, CLI_KEY_PASSWD, "FILE",
	 "FILE [--passphrase-fd N] [--new-passphrase-fd M]", "--passphrase-fd --new-passphrase-fd",
	 "Reseal secret key file FILE under a new passphrase; the key stays the\n"
	 "same.  The current passphrase is read from fd N and the new one from fd\n"
	 "M (N and M may be the same: first line current, second line new);\n"
	 "either not given is asked on the terminal.  FILE is replaced atomically.\n"},

	/* the database */
	{"db init", G_DB, cli_ledger, ACT_GENESIS, NULL,
	 "--origin ORIGIN --admin NAME --admin-key FILE\n[--admin-login ROLE]",
	 "--origin --admin --admin-key --admin-login --passphrase-fd --idempotency-key --db --json",
	 "Apply the schema and start the log: the genesis entry enrols NAME, whose key\n"
	 "is in FILE, as the first administrator; NAME logs in as ROLE (default NAME).\n"},
	{"db migrate", G_DB, cli_ledger, ACT__COUNT, NULL, "", "--db --json",
	 "Apply the pending schema migrations.\n"},
	{"db status", G_DB, cli_ledger, ACT__COUNT, NULL, "", "--db --json",
	 "Show which schema migrations are applied and which are pending.\n"},
	{"db check", G_DB, cli_ledger, ACT__COUNT, NULL, "", "--db --json",
	 "Audit the database's roles, owners, privileges, search_paths and row-level\n"
	 "security against what custos needs (reads pg_catalog only; anyone may run it).\n"
	 "One line per problem; exit 1 if there is any.\n"},

	/* people and accounts */
	{"person add", G_PEOPLE, cli_ledger, ACT_KEY_ENROL, "NAME",
	 "NAME --role ROLE --pubkey VKEY [--account N]\n"
	 "[--login ROLE] [--password-fd N] --witness-key FILE",
	 SIGN WIT " --role --pubkey --account --login --password-fd",
	 "Enrol a person and their public key with a role (administrator, custodian,\n"
	 "alternate, holder, witness, auditor, authority; account roles need --account)\n"
	 "and create their PostgreSQL login.  Two-person: the second signature is the\n"
	 "new person's own key file (proof of possession) or another enrolled person's.\n"},
	{"person list", G_PEOPLE, cli_query, CLI_Q_PERSONS, NULL, "[--limit N] [--after CURSOR]",
	 "--limit --after --db --json", "Enrolled people with their logins and roles.\n" PAGING},
	{"account add", G_PEOPLE, cli_ledger, ACT_ACCOUNT_OPEN, "NUMBER", "NUMBER --name TEXT",
	 SIGN " --name", "Open COMSEC account NUMBER (six digits).\n"},
	{"account outside", G_PEOPLE, cli_ledger, ACT_ACCOUNT_OUTSIDE, "NUMBER",
	 "NUMBER --name TEXT [--address TEXT]", SIGN " --name --address",
	 "Register account NUMBER of another organisation, outside this ledger: a\n"
	 "receipt may come from it and a transfer go to it.\n"},
	{"account details", G_PEOPLE, cli_ledger, ACT_ACCOUNT_DETAILS, "NUMBER",
	 "NUMBER [--address TEXT] [--cor-account N]", SIGN " --address --cor-account",
	 "Set the address and COR account that account NUMBER's reports carry; a\n"
	 "detail not given keeps its value.\n"},
	{"person details", G_PEOPLE, cli_ledger, ACT_PERSON_DETAILS, "NAME",
	 "NAME [--rank TEXT] [--position TEXT]", SIGN " --rank --position",
	 "Set the rank or grade and the position that NAME's signature blocks carry;\n"
	 "a detail not given keeps its value.\n"},
	{"account list", G_PEOPLE, cli_query, CLI_Q_ACCOUNTS, NULL, "[--limit N] [--after CURSOR]",
	 "--limit --after --db --json",
	 "The accounts this login sees, with their open items.\n" PAGING},
	{"account appoint", G_PEOPLE, cli_ledger, ACT_KEY_ENROL, "NUMBER",
	 "NUMBER --person NAME --role ROLE --witness-key FILE", SIGN WIT " --person --role",
	 "Give an enrolled person a role on account NUMBER: custodian, alternate,\n"
	 "holder or witness.\n"},
	{"key rotate", G_PEOPLE, cli_ledger, ACT_KEY_ROTATE, "NAME",
	 "NAME --pubkey VKEY --witness-key FILE", SIGN WIT " --pubkey",
	 "Replace NAME's key with the new public key VKEY (a key never enrolled); NAME\n"
	 "keeps every role.  Two-person: the second signature is NAME's old key file,\n"
	 "or, the key lost, a second administrator's or an authority's.  The old key\n"
	 "signs nothing after this entry.\n"},
	{"key revoke", G_PEOPLE, cli_ledger, ACT_KEY_REVOKE, "NAME",
	 "NAME --role ROLE [--account N] --witness-key FILE", SIGN WIT " --role --account",
	 "End a person's role; with their last role their key is revoked.\n"},

	/* policy */
	{"policy show", G_POLICY, cli_query, CLI_Q_POLICY, NULL, "", "--db --json",
	 "Every policy of this ledger: its value in force, the entry that set it (or\n"
	 "default), what it means and the values it may take.\n"},
	{"policy set", G_POLICY, cli_ledger, ACT_POLICY_SET, "NAME=VALUE",
	 "NAME=VALUE... --witness-key FILE", SIGN WIT,
	 "Set policies by a policy-set entry, signed by you (an administrator) and a\n"
	 "second administrator or authority.  The entry is printed before it is\n"
	 "signed; entries after it are judged by the new values.\n"},

	/* material */
	{"receive", G_MATERIAL, cli_ledger, ACT_RECEIPT, NULL,
	 "--from COR|ACCOUNT --item SPEC... [--account N]", SIGN WIT ITEMS " --account --from",
	 "Material comes on the account.  SPEC: \"kind=key alc=1 class=S crypto=yes\n"
	 "serial=0042 edition=A effective=2026-01-01 supersedes=2026-02-01\n"
	 "title=AKAT 1234\" (title last); --items FILE reads one SPEC per line.  TOP\n"
	 "SECRET keying material needs --witness-key.\n"},
	{"transfer reject", G_MATERIAL, cli_ledger, ACT_TRANSFER_REJECT, "TXN", "TXN [--account N]",
	 SIGN " --account",
	 "Refuse transfer TXN, in transit to your account: every item still in transit\n"
	 "goes back on hand at the sending account.  As the sender, record that an\n"
	 "account outside this ledger refused it.\n"},
	{"transfer recall", G_MATERIAL, cli_ledger, ACT_TRANSFER_RECALL, "TXN", "TXN [--account N]",
	 SIGN " --account",
	 "Withdraw your account's transfer TXN while it is in transit: every item\n"
	 "still in transit comes back on hand.\n"},
	{"transfer", G_MATERIAL, cli_ledger, ACT_TRANSFER, NULL,
	 "--to COR|ACCOUNT (--serial S | --item SPEC)...\n[--account N]",
	 SIGN WIT ITEMS " --account --to",
	 "Send material; it is in transit until the receiver accepts.\n"
	 "Part of a quantity lot: --item 'serial=S qty=N title=T' (N less than the\n"
	 "lot's): the entry lists the part as serial S+INDEX, INDEX its own; the lot\n"
	 "keeps the rest.\n"},
	{"accept", G_MATERIAL, cli_ledger, ACT_ACCEPT, "TXN",
	 "TXN [--account N]\n[--category C (--serial S | --item SPEC)...]",
	 SIGN WIT ITEMS " --account --category",
	 "Acknowledge transfer TXN: as the receiving custodian, the material comes on\n"
	 "your account; as the sender, record an outside receiver's acknowledgement.\n"
	 "A short or long shipment: --category C and the items that arrived (--item\n"
	 "SPEC for one that was not sent); what is missing stays in transit, and the\n"
	 "acceptance opens an incident of your account.\n"},
	{"issue", G_MATERIAL, cli_ledger, ACT_ISSUE, NULL,
	 "--holder NAME (--serial S | --item SPEC)...\n--witness-key HOLDER_KEY",
	 SIGN WIT ITEMS " --account --holder",
	 "Hand receipt: the holder signs with their key at the same terminal.\n"
	 "Part of a quantity lot: --item 'serial=S qty=N title=T' (N less than the\n"
	 "lot's): the entry lists the part as serial S+INDEX, INDEX its own; the lot\n"
	 "keeps the rest.\n"},
	{"return", G_MATERIAL, cli_ledger, ACT_RETURN, "TXN",
	 "TXN --holder NAME (--serial S)... --witness-key HOLDER_KEY",
	 SIGN WIT ITEMS " --account --holder",
	 "The holder returns material issued under hand receipt TXN.\n"},
	{"destroy", G_MATERIAL, cli_ledger, ACT_DESTROY, NULL,
	 "(--serial S | --item SPEC)... --method M\n[--authority REF] --witness-key FILE",
	 SIGN WIT ITEMS " --account --method --authority",
	 "Destruction, two-person: the witness types their passphrase here.  M is burn,\n"
	 "shred, pulverize, disintegrate, degauss or zeroize.  Superseded keying\n"
	 "material needs no --authority (it is \"superseded\"); anything else names the\n"
	 "direction it is destroyed under (a directive, an incident's TXN).\n"
	 "Part of a quantity lot: --item 'serial=S qty=N title=T' (N less than the\n"
	 "lot's): the entry lists the part as serial S+INDEX, INDEX its own; the lot\n"
	 "keeps the rest.\n"},
	{"possession", G_MATERIAL, cli_ledger, ACT_POSSESSION, NULL,
	 "--item SPEC... [--incident TXN]", SIGN WIT ITEMS " --account --incident",
	 "Found material comes on the account.  Material lost under incident TXN, and\n"
	 "relieved or not, comes back with --incident TXN.\n"},
	{"inventory open", G_MATERIAL, cli_ledger, ACT_INVENTORY, NULL, "[--custodian-change] [--account N]",
	 "--db --account --custodian-change",
	 "Open the account's inventory session (one at a time).  It expects every\n"
	 "COR-accountable item (ALC-1, 2 and 6) on hand or issued, material out on hand\n"
	 "receipt included; with --custodian-change every item on hand or issued: the\n"
	 "joint inventory of a change of custodian.  What the account holds now is what\n"
	 "is expected: material that leaves or comes on during the session leaves or\n"
	 "joins the list.\n"},
	{"inventory scan", G_MATERIAL, cli_ledger, ACT_INVENTORY, NULL,
	 "(--serial S)... | --file FILE [--account N] [--json]", "--db --account --serial --file --json",
	 "Sight items in the open session by serial, exactly as a scanner types them\n"
	 "(--file: one scan a line).  Each scan is answered: sighted, already sighted,\n"
	 "not on this account, unknown, or ambiguous (several expected items have the\n"
	 "serial: count them with inventory count), with the running count.  Every scan\n"
	 "is checked first: a file with a line that is no serial records nothing.\n"},
	{"inventory count", G_MATERIAL, cli_ledger, ACT_INVENTORY, NULL,
	 "[--serial S] [--title T] --qty N [--account N]", "--db --account --serial --title --qty",
	 "Sight a lot in the open session at the quantity counted; a quantity other\n"
	 "than the record's is a difference to settle before the session closes.\n"},
	{"inventory reconcile", G_MATERIAL, cli_ledger, ACT_INVENTORY, NULL,
	 "[--account N] [--json]", "--db --account --json",
	 "The open session's lists: sighted; not sighted, each with a drafted incident\n"
	 "report to confirm; found and not on record, each with a drafted possession\n"
	 "report; quantities counted short or long.  It says whether the session can\n"
	 "close, and --json gives the sighted list's SHA-256 (docs/log-format.md).\n"},
	{"inventory close", G_MATERIAL, cli_ledger, ACT_INVENTORY, NULL,
	 "--witness-key FILE [--incoming NAME] [--account N]", SIGN WIT " --account --incoming",
	 "Close the open session with its certification entry, signed by you and the\n"
	 "witness (for a change of custodian: by you and the incoming custodian NAME,\n"
	 "whose key --witness-key is): the counts and the SHA-256 of the sighted list,\n"
	 "which the server checks against what the account holds.  Only when every\n"
	 "expected item is sighted at its quantity.  It resets the inventory clock.\n"},
	{"inventory abandon", G_MATERIAL, cli_ledger, ACT_INVENTORY, NULL, "[--account N]",
	 "--db --account", "Abandon the open session: it certifies nothing.\n"},
	{"inventory", G_MATERIAL, cli_ledger, ACT_INVENTORY, NULL,
	 "(--serial S)... --witness-key FILE", SIGN WIT ITEMS " --account",
	 "Record a sighting of the listed items, with a witness.\n"},
	{"custodian change", G_MATERIAL, cli_ledger, ACT_CUSTODIAN_CHANGE, NULL,
	 "--incoming NAME (--serial S | --item SPEC)...\n--witness-key INCOMING_KEY",
	 SIGN WIT ITEMS " --account --incoming",
	 "Change of custodian: you, the outgoing custodian, and NAME sign one joint\n"
	 "inventory listing every item on hand or issued at the account (--items FILE:\n"
	 "the scanned serials, 'serial=S' a line).  From this entry NAME is the\n"
	 "account's custodian and your custodian role ends.\n"},
	{"alc", G_MATERIAL, cli_ledger, ACT_ALC_CHANGE, NULL,
	 "--alc A (--serial S | --item SPEC)...\n[--authority REF] [--account N]",
	 SIGN WIT ITEMS " --account --alc --authority",
	 "Change the ALC of items on hand or issued to A.  An upgrade, to a stricter\n"
	 "control (ALC-1 and ALC-6 by serial to the COR, then ALC-2 by quantity, ALC-4,\n"
	 "ALC-7), the account makes itself; any other change only on the national\n"
	 "authority's direction: --authority REF, its reference.  ALC-6 and ALC-7 are\n"
	 "for keying material only.\n"},
	{"effective", G_MATERIAL, cli_ledger, ACT_KEY_EFFECTIVE, NULL,
	 "(--serial S | --item SPEC)... [--account N]", SIGN WIT ITEMS " --account",
	 "Put keying material held in reserve into effect: on hand or issued, not in\n"
	 "effect already, its effective date reached and its supersession date not.\n"},
	{"incident report", G_MATERIAL, cli_ledger, ACT_INCIDENT_REPORT, NULL,
	 "--category C --discovered TIME [--serial S]...\n--text WHAT",
	 SIGN WIT ITEMS " --account --category --discovered",
	 "Open an incident; the items listed are under it until it closes.  C is\n"
	 "cryptographic, personnel, physical or packaging.  TIME is when it was\n"
	 "discovered, UTC (2026-12-05T09:30Z): the reporting deadline runs from it.\n"},
	{"incident update", G_MATERIAL, cli_ledger, ACT_INCIDENT_UPDATE, "TXN", "TXN --text WHAT",
	 SIGN " --account", "An amplifying report on incident TXN.\n"},
	{"incident close", G_MATERIAL, cli_ledger, ACT_INCIDENT_CLOSE, "TXN",
	 "TXN --outcome O --witness-key AUTHORITY_KEY", SIGN WIT " --account --outcome",
	 "The authority's decision on incident TXN, for the items still under it.  O\n"
	 "is no-compromise (back on hand), compromised or lost (relief from\n"
	 "accountability: written off), or destroy (back on hand, to be destroyed).\n"},

	/* queries */
	{"holdings", G_QUERIES, cli_query, CLI_Q_HOLDINGS, NULL,
	 "[--account N] [--status S|open|all] [--kind K]\n"
	 "[--class C] [--alc A] [--title T] [--serial PREFIX]\n"
	 "[--limit N] [--after CURSOR]",
	 "--account --status --kind --class --alc --title --serial --limit --after --db --json",
	 "List material by account, short title, edition and serial: the open items\n"
	 "(on_hand, issued, in_transit, incident) unless --status names one status or\n"
	 "all.  --title and --serial match the start of the field, byte for byte.\n"
	 "Every matching item is printed, unless --limit N asks for one page of N;\n"
	 "--after CURSOR starts after the page that printed it.\n"},
	{"history", G_QUERIES, cli_query, CLI_Q_HISTORY, "ITEM", "ITEM [--limit N] [--after CURSOR]",
	 "--limit --after --db --json",
	 "The log entries that list ITEM, oldest first, with their signers.  ITEM is\n"
	 "a serial held by one item only, or 'serial=S edition=E title=T'.\n" PAGING},
	{"txn list", G_QUERIES, cli_query, CLI_Q_TXN, NULL,
	 "[--account N] [--action A] [--open] [--limit N]\n[--after CURSOR]",
	 "--account --action --open --limit --after --db --json",
	 "The transactions of an account, newest first (--account may be left out\n"
	 "when the login sees one account).  --action keeps one action; --open keeps\n"
	 "transfers in transit, issues with material out and open incidents.\n" PAGING},
	{"alarms", G_QUERIES, cli_query, CLI_Q_ALARMS, NULL, "[--account N]",
	 "--account --db --json",
	 "Overdue destruction of superseded key, incidents not reported onward,\n"
	 "transfers long in transit, accounts due for inventory and old hand\n"
	 "receipts, by the policy table and the server's clock.\n"},

	{"access", G_QUERIES, cli_query, CLI_Q_ACCESS, NULL,
	 "[--person NAME] [--account N] [--since TIME]\n[--until TIME] [--kind K] [--limit N] [--after CURSOR]",
	 "--person --account --since --until --kind --limit --after --db --json",
	 "The access log, for auditors: each custos session's login, each action\n"
	 "the ledger refused (with its refusal code and words) and each export of\n"
	 "the log or of a report, oldest first, stamped by the server with the time\n"
	 "and the login.  It records what custos did and tried; what a login does\n"
	 "through psql is in the server's pgaudit log (docs/deploy.md).\n"},

	/* the log */
	{"audit", G_LOG, cli_log, CLI_LOG_AUDIT, NULL, "[--account N] [--sample K]",
	 "--account --sample --db --json",
	 "Audit findings from the whole log (late destruction, late incident,\n"
	 "overdue inventory, open hand receipts, transaction gaps, custodian change\n"
	 "without a joint inventory), each naming entry indices and judged by the\n"
	 "policy in force at that index; --account N keeps that account's.  With\n"
	 "--sample K, after the findings: every TOP SECRET key item held and K of\n"
	 "the rest, seeded by the root hash of the log (docs/audit.md).  The same\n"
	 "bytes as the audit of custos-verify on a bundle of the same log.\n"},
	{"log verify", G_LOG, cli_log, CLI_LOG_VERIFY, NULL, "", "--db --json",
	 "Check the chain, the signatures by the key registry as of each entry, and\n"
	 "the replay of the log against the state tables.\n"},
	{"log export", G_LOG, cli_log, CLI_LOG_EXPORT, "FILE",
	 "FILE | --out DIR [--since SIZE] [--log-key FILE]\n[--log-passphrase-fd N]",
	 "--out --since --log-key --log-passphrase-fd --db --json",
	 "With FILE: write the log file FILE and FILE.keys for custos-verify.\n"
	 "With --out DIR: the bundle that custos-verify checks against a trust policy\n"
	 "(tiles, checkpoints, cosignatures); --since SIZE adds only what came after\n"
	 "checkpoint SIZE.  A checkpoint that falls due is signed with the log key.\n"},
	{"log key set", G_LOG, cli_log, CLI_LOG_KEY_SET, "VKEY", "VKEY", "--db",
	 "Register the log's checkpoint key (once).\n"},
	{"log key show", G_LOG, cli_log, CLI_LOG_KEY_SHOW, NULL, "", "--db",
	 "Print the log's checkpoint key.\n"},
	{"log checkpoint", G_LOG, cli_log, CLI_LOG_CHECKPOINT, NULL,
	 "[--log-key FILE] [--log-passphrase-fd N]", "--log-key --log-passphrase-fd --db --json",
	 "Sign a checkpoint of the log as it stands with the log key.\n"},
	{"log checkpoints", G_LOG, cli_log, CLI_LOG_CHECKPOINTS, NULL, "", "--db --json",
	 "The stored checkpoints: size, root, time, by whom, cosignatures.\n"},
	{"log cosign", G_LOG, cli_log, CLI_LOG_COSIGN, "FILE", "FILE [--policy POLICY]",
	 "--policy --db --json", "Store the cosignatures a witness made in FILE.\n"},
	{"log witness add", G_LOG, cli_log, CLI_LOG_WITNESS_ADD, "VKEY", "VKEY", "--db",
	 "Register a witness's verifier key.\n"},
	{"log witness list", G_LOG, cli_log, CLI_LOG_WITNESS_LIST, NULL, "", "--db",
	 "The registered witnesses.\n"},
	{"log policy", G_LOG, cli_log, CLI_LOG_POLICY, NULL, "[--witness VKEY]... [--quorum N]",
	 "--witness --quorum --db", "Print a trust policy for verifiers.\n"},
	{"log proof", G_LOG, cli_log, CLI_LOG_PROOF, "TXN|INDEX", "TXN|INDEX --out FILE [--entry]",
	 "--out --entry --db --json",
	 "Write one entry's receipt (an inclusion proof to a checkpoint) to FILE.\n"},

	/* reports */
	{"report material", G_REPORTS, cli_report, CLI_REPORT_MATERIAL, "TXN",
	 "TXN --format pdf|csv|json --out FILE [--paper a4|letter]", "--format --out --paper --db",
	 "Write the COMSEC Material Report (GC-223 / SF-153) of transaction TXN\n"
	 "to the new FILE, made from its signed log entry: PDF to sign (with a QR\n"
	 "code of the entry and its inclusion proof), CSV for a spreadsheet, JSON.\n"},
	{"report destruction", G_REPORTS, cli_report, CLI_REPORT_DESTRUCTION, "TXN",
	 "TXN --format pdf|csv|json --out FILE [--paper a4|letter]\n"
	 "| --account N --since DATE [--until DATE] --format pdf|csv|json --out FILE",
	 "--format --out --paper --account --since --until --db",
	 "The same for a destruction only: the destruction report of TXN.  With\n"
	 "--account, the destruction register of account N for a period: every\n"
	 "destruction dated from --since to --until (default today), with its items,\n"
	 "method, authority and witness, each with its log entry's index and leaf hash.\n"},
	{"report inventory", G_REPORTS, cli_report, CLI_REPORT_INVENTORY, "TXN",
	 "TXN --format pdf|csv|json --out FILE [--paper a4|letter]", "--format --out --paper --db",
	 "The inventory report of inventory (or change of custodian) TXN: its\n"
	 "count (complete inventory, N of N held, or spot check, L of N held), the\n"
	 "items sighted, both signatures, and a correction page: the items that\n"
	 "came on and left the account since the previous complete inventory.\n"},
	{"report incident", G_REPORTS, cli_report, CLI_REPORT_INCIDENT, "TXN",
	 "TXN --format pdf|csv|json --out FILE [--paper a4|letter]", "--format --out --paper --db",
	 "The incident report of incident TXN, from its signed log entries: the\n"
	 "initial report (category, discovery, items, text), every amplifying\n"
	 "report in order and the final one (the outcome) or OPEN, each with its\n"
	 "entry's index, time, signers and leaf hash, and whether the initial\n"
	 "report came within the reporting deadline (incident_report_hours).\n"},
	{"report audit", G_REPORTS, cli_report, CLI_REPORT_AUDIT, NULL,
	 "[--account N] [--sample K] --format pdf|csv|json --out FILE\n[--paper a4|letter]",
	 "--account --sample --format --out --paper --db",
	 "The findings of custos audit as a report to sign, in the new FILE: the log\n"
	 "judged (origin, size, root hash, its checkpoint), the accounts, the policy\n"
	 "in force, each finding with its kind in words, account, entry indices and\n"
	 "their leaf hashes, then the oversight sample (every TOP SECRET key item\n"
	 "held and K others, 0 by default, seeded by the root) and the auditor's\n"
	 "signature block.  Administrators and auditors, as custos audit.\n"},
	{"report hand-receipts", G_REPORTS, cli_report, CLI_REPORT_HAND_RECEIPTS, NULL,
	 "[--account N] [--holder NAME] [--since DATE] [--until DATE]\n"
	 "--format pdf|csv|json --out FILE [--paper a4|letter]",
	 "--account --holder --since --until --format --out --paper --db",
	 "Write the hand-receipt register of account N (default: the one you keep)\n"
	 "to the new FILE, made from its signed log entries: every hand receipt\n"
	 "(issue) dated in the period (all by default), of one holder with --holder,\n"
	 "open ones first, each item with the return (or destruction, incident\n"
	 "report) that closed it or OPEN, and each entry's index and leaf hash.\n"},
};

/* What each option means, for `custos VERB --help`. */
static const struct option_doc {
	const char *name, *arg, *text;
} option_docs[] = {
	{"--db", "CONNINFO", "connect there (else the PG* variables, as psql)"},
	{"--json", NULL, "print one JSON object"},
	{"--key", "FILE", "your secret key file (else $CUSTOS_KEY,\n~/.config/custos/key)"},
	{"--passphrase-fd", "N", "read its passphrase from fd N, not the terminal"},
	{"--new-passphrase-fd", "M", "read the new one from fd M, not the terminal"},
	{"--idempotency-key", "K", "the request's key: run again with K, it\napplies once"},
	{"--text", "WHAT", "the entry's free text"},
	{"--text-file", "FILE", "the entry's free text, from FILE"},
	{"--log-key", "FILE", "the log key, for checkpoints that fall due\n(else $CUSTOS_LOG_KEY)"},
	{"--log-passphrase-fd", "N", "read the log key's passphrase from fd N"},
	{"--retry-seconds", "N", "keep trying that long to reach a primary\n"
				 "(default 30, or $CUSTOS_RETRY_SECONDS); exit 3:\n"
				 "outcome unknown, run it again with the\n"
				 "--idempotency-key it prints"},
	{"--witness-key", "FILE", "the second signer's key file"},
	{"--witness-passphrase-fd", "N", "read the second signer's passphrase from fd N"},
	{"--item", "SPEC", "an item by its details (repeatable)"},
	{"--serial", "S", "an item by its serial (repeatable); holdings:\nthe serials starting with S"},
	{"--items", "FILE", "one item SPEC a line"},
	{"--account", "N", "the six-digit account (default: the one\nthis login keeps; audit and access: every\naccount)"},
	{"--from", "COR|ACCOUNT", "where the material comes from"},
	{"--to", "COR|ACCOUNT", "where the material goes"},
	{"--holder", "NAME", "the person holding the material on hand receipt\n(report hand-receipts: that holder's only)"},
	{"--incoming", "NAME", "the incoming custodian, who co-signs (--witness-key)"},
	{"--custodian-change", NULL, "the joint inventory of a change of custodian: every item held"},
	{"--file", "FILE", "the scans, one a line, as the scanner typed them"},
	{"--qty", "N", "the quantity counted"},
	{"--category", "C", "cryptographic, personnel, physical or packaging"},
	{"--discovered", "TIME", "when the incident was discovered, UTC:\n2026-12-05T09:30Z"},
	{"--outcome", "O", "no-compromise, compromised, lost or destroy"},
	{"--method", "M", "burn, shred, pulverize, disintegrate, degauss\nor zeroize"},
	{"--authority", "REF", "the direction the destruction is under\n(default: superseded, for superseded key);\nalc: the national authority's reference"},
	{"--incident", "TXN", "the incident under which the material was lost"},
	{"--role", "ROLE", "administrator, custodian, alternate, holder,\n"
			   "witness, auditor, authority"},
	{"--pubkey", "VKEY", "the person's verifier key (custos key pub)"},
	{"--address", "TEXT", "the account's postal address, as reports print it"},
	{"--cor-account", "N", "the account number of the account's COR"},
	{"--rank", "TEXT", "the person's rank or grade"},
	{"--position", "TEXT", "the person's position (appointment)"},
	{"--login", "ROLE", "their PostgreSQL login (default NAME)"},
	{"--password-fd", "N", "read their PostgreSQL password from fd N"},
	{"--person", "NAME", "an enrolled person"},
	{"--name", "NAME", "the key's name (key new), the account's\nname (account add, account outside)"},
	{"--out", "PATH", "the file (key new, log proof, report) or the\nfolder (log export) to write"},
	{"--format", "F", "the report's format: pdf, csv or json"},
	{"--paper", "P", "the PDF's paper: a4 (the default) or letter"},
	{"--pem", NULL, "PEM SubjectPublicKeyInfo instead of a verifier key"},
	{"--origin", "ORIGIN", "the log's origin, e.g. custos.example.org/log"},
	{"--admin", "NAME", "the first administrator"},
	{"--admin-key", "FILE", "the first administrator's secret key file"},
	{"--admin-login", "ROLE", "the first administrator's PostgreSQL login"},
	{"--status", "S", "one status, open (the default) or all"},
	{"--kind", "K", "key, equipment, ...; access: login, refusal\nor export"},
	{"--class", "C", "the classification"},
	{"--alc", "A", "the accounting legend code: 1, 2, 4, 6 or 7"},
	{"--title", "T", "queries: short titles starting T; inventory\ncount: the lot's short title"},
	{"--limit", "N", "one page of at most N rows (1 to 1000)"},
	{"--after", "CURSOR", "start after the page that printed CURSOR"},
	{"--action", "A", "keep one action"},
	{"--open", NULL, "keep what is still open"},
	{"--since", "FROM", "log export: only what came after checkpoint\n"
			    "FROM (a size); reports: from date FROM\n"
			    "(YYYY-MM-DD, UTC); access: from time FROM on\n"
			    "(2026-12-07T08:00Z)"},
	{"--until", "TO", "reports: up to date TO (YYYY-MM-DD, UTC),\n"
			  "included; access: before time TO"},
	{"--policy", "POLICY", "the trust policy the cosignatures are judged by"},
	{"--witness", "VKEY", "a witness's verifier key (repeatable)"},
	{"--quorum", "N", "how many witnesses must cosign"},
	{"--sample", "K", "the oversight sample: every TS key item and K others"},
	{"--entry", NULL, "include the entry itself"},
};

#define NVERBS (sizeof verbs / sizeof verbs[0])

bool cli_is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

bool cli_takes(const cli_verb *v, const char *option)
{
	size_t n = strlen(option);
	for (const char *p = v->options; (p = strstr(p, option)) != NULL; p += n)
		if ((p == v->options || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

/* Print s, indenting each line after the first by `indent` spaces. */
static void put_indented(const char *s, int indent, FILE *f)
{
	for (; *s; s++) {
		fputc(*s, f);
		if (*s == '\n' && s[1] != '\0')
			fprintf(f, "%*s", indent, "");
	}
}

/* "custos WORDS SYNOPSIS", continuation lines aligned under the synopsis. */
static void put_synopsis(const cli_verb *v, int indent, FILE *f)
{
	fprintf(f, "custos %s%s", v->words, v->synopsis[0] ? " " : "");
	put_indented(v->synopsis, indent + 8 + (int)strlen(v->words), f);
	fputc('\n', f);
}

int cli_help(const cli_verb *v)
{
	fputs("usage: ", stdout);
	put_synopsis(v, 7, stdout);
	printf("\n%s\noptions:\n", v->help);
	for (const char *p = v->options; *p;) {
		size_t n = strcspn(p, " ");
		const struct option_doc *d = NULL;
		for (size_t i = 0; i < sizeof option_docs / sizeof option_docs[0]; i++)
			if (strlen(option_docs[i].name) == n && strncmp(p, option_docs[i].name, n) == 0)
				d = &option_docs[i];
		char head[40];
		snprintf(head, sizeof head, "%.*s%s%s", (int)n, p, d && d->arg ? " " : "",
			 d && d->arg ? d->arg : "");
		printf("  %-26s  ", head);
		put_indented(d ? d->text : "", 30, stdout);
		fputc('\n', stdout);
		p += n + (p[n] == ' ');
	}
	return CLI_OK;
}

int cli_usage_error(const cli_verb *v, const char *what, const char *arg)
{
	fprintf(stderr, "custos %s: %s", v->words, what);
	if (arg != NULL) {
		fputs(" '", stderr);
		safe_fputs_max(arg, ECHO_MAX, stderr);
		fputc('\'', stderr);
	}
	fprintf(stderr, "; see 'custos %s --help'\n", v->words);
	return CLI_USAGE;
}

/* How many of argv[0..argc) spell `words` word by word: that number if
 * all of them (a match of the whole), else 0 when the first differs, else
 * minus the number that matched (a prefix of the verb's words). */
static int match(const char *words, int argc, char **argv)
{
	int i = 0;
	for (const char *w = words; *w; i++) {
		size_t n = strcspn(w, " ");
		if (i == argc || strlen(argv[i]) != n || strncmp(argv[i], w, n) != 0)
			return -i;
		w += n + (w[n] == ' ');
	}
	return i;
}

/* The usage lines of every verb whose words start with argv[0..nwords). */
static void group_usage(int nwords, char **argv, FILE *f)
{
	const char *lead = "usage: ";
	for (size_t i = 0; i < NVERBS; i++) {
		if (-match(verbs[i].words, nwords, argv) >= nwords) {
			fputs(lead, f);
			put_synopsis(&verbs[i], 7, f);
			lead = "       ";
		}
	}
}

static void usage(FILE *f)
{
	fputs("usage: custos [--db CONNINFO] [--key FILE | --no-key] [--log-key FILE]\n"
	      "                                   the terminal UI\n"
	      "       custos COMMAND [options]    one command (exit 0 done, 1 refused or\n"
	      "                                   failed, 2 usage, 3 outcome unknown)\n"
	      "       custos COMMAND --help       a command's usage and options\n"
	      "       custos help                 this list\n",
	      f);
	const char *group = "";
	for (size_t i = 0; i < NVERBS; i++) {
		if (strcmp(verbs[i].group, group) != 0)
			fprintf(f, "\n%s:\n", group = verbs[i].group);
		fputs("  ", f);
		put_synopsis(&verbs[i], 2, f);
	}
}

/* The verb argv[0..argc) starts with, *nwords its number of words; or
 * NULL, *nwords the most leading words that start some verb's. */
static const cli_verb *lookup(int argc, char **argv, int *nwords)
{
	*nwords = 0;
	for (size_t i = 0; i < NVERBS; i++) {
		int m = match(verbs[i].words, argc, argv);
		if (m > 0) {
			*nwords = m;
			return &verbs[i];
		}
		if (-m > *nwords)
			*nwords = -m;
	}
	return NULL;
}

/* No verb for argv: name the word that is wrong, or the words that need
 * one more, and show the verbs that start with the first `prefix` words. */
static int unknown(int argc, char **argv, int prefix)
{
	bool incomplete = prefix > 0 && argc == prefix;
	fprintf(stderr, "custos: %s '", incomplete ? "incomplete command" : "unknown command");
	for (int i = 0; i < prefix + !incomplete && i < argc; i++) {
		if (i > 0)
			fputc(' ', stderr);
		safe_fputs_max(argv[i], ECHO_MAX, stderr);
	}
	fputs("'; try 'custos help'\n", stderr);
	if (prefix > 0)
		group_usage(prefix, argv, stderr);
	return CLI_USAGE;
}

int cli_main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_USAGE;
	}
	bool help = strcmp(argv[1], "help") == 0; /* custos help [WORDS]: WORDS --help */
	if (cli_is_help(argv[1]) || (help && argc == 2)) {
		usage(stdout);
		return CLI_OK;
	}
	argc -= help ? 2 : 1;
	argv += help ? 2 : 1;
	int n;
	const cli_verb *v = lookup(argc, argv, &n);
	if (v != NULL)
		return help ? cli_help(v) : v->run(v, argc - n, argv + n);
	/* A group of verbs: custos log --help, custos help log. */
	if (n > 0 && (help ? argc == n : argc > n && cli_is_help(argv[n]))) {
		group_usage(n, argv, stdout);
		return CLI_OK;
	}
	return unknown(argc, argv, n);
}
