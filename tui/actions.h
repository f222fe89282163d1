/* actions.h: every action of the terminal UI, as one table.
 *
 * TUI_ACTIONS is the single list the key bindings, the function-key bar,
 * the `?` help and the role checks are all generated from, so they cannot
 * disagree (tig's request.h does the same).  Each row is
 *
 *   X(id, key, alt, fkey, kind, label, help, roles, views)
 *
 *   id     the enum constant (tui_action)
 *   key    the main key: a Unicode character, or TUI_FN(KEY_xxx) for a
 *          curses function or cursor key
 *   alt    a second key doing the same, or 0
 *   fkey   the function key (1..12) that shows it in the bar, or 0
 *   kind   TUI_AK_NAV (moving about), TUI_AK_VIEW (reads: search, sort,
 *          verify), TUI_AK_FORM (opens a form that signs a log entry: it
 *          changes the ledger), TUI_AK_EDIT (a key inside a form)
 *   label  the bar's short word(s)
 *   help   one line for the help screen
 *   roles  TUI_R_* bits of who may use it (TUI_R_ANY: everyone)
 *   views  TUI_V_* bits of the screens that offer it
 *
 * Within any one view no two actions share a key (main or alt); the table
 * test (tests/check_tui_actions.c) checks that, and that no action an
 * auditor may use changes anything.
 *
 * This header and tui/actions.c need no curses library at run time (they
 * take only the KEY_* constants from <curses.h>), so they link into tests. */
#ifndef CUSTOS_TUI_ACTIONS_H
#define CUSTOS_TUI_ACTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include <curses.h>

/* A key as one int: a Unicode code point (< 0x110000), or TUI_FN(k) for
 * a curses KEY_* code (get_wch's KEY_CODE_YES case). */
#define TUI_FN_BIT 0x1000000
#define TUI_FN(k) (TUI_FN_BIT | (k))
#define TUI_IS_FN(key) (((key) & TUI_FN_BIT) != 0)
#define TUI_CTRL(c) ((c) & 0x1f)
#define TUI_ESC 0x1b

/* Who: bits for the roles a person holds (account roles on the account in
 * view; administrator, auditor and authority everywhere). */
enum {
	TUI_R_ADMIN = 1u << 0,
	TUI_R_CUSTODIAN = 1u << 1, /* custodian or alternate custodian */
	TUI_R_HOLDER = 1u << 2,
	TUI_R_WITNESS = 1u << 3,
	TUI_R_AUDITOR = 1u << 4,
	TUI_R_AUTHORITY = 1u << 5,
	TUI_R_NONE = 1u << 6,      /* a login that is no enrolled person */
	TUI_R_ANY = 0x7fu
};
#define TUI_R_SEES_ALL (TUI_R_ADMIN | TUI_R_AUDITOR | TUI_R_AUTHORITY)

/* Where: one bit per kind of view. */
enum {
	TUI_V_DASHBOARD = 1u << 0,
	TUI_V_HOLDINGS = 1u << 1,
	TUI_V_ITEM = 1u << 2,
	TUI_V_TXNS = 1u << 3,
	TUI_V_INCIDENTS = 1u << 4,
	TUI_V_PEOPLE = 1u << 5,
	TUI_V_LOG = 1u << 6,
	TUI_V_HELP = 1u << 7,
	TUI_V_FORM = 1u << 8,      /* every form (tui/form.c), confirmation included */
	TUI_V_SCAN = 1u << 9,      /* inventory scanning: every printable key goes
				    * into the scan line, like a form's field */
	TUI_V_RECON = 1u << 10,    /* an inventory session's reconciliation */
	TUI_V_ALL = 0x7ffu
};
/* every view but a form and scanning (whose printable keys are text) */
#define TUI_V_SCREENS (TUI_V_ALL & ~(TUI_V_FORM | TUI_V_SCAN))
#define TUI_V_LISTS (TUI_V_SCREENS & ~TUI_V_HELP)

typedef enum tui_action_kind {
	TUI_AK_NAV,  /* moving about: never changes anything */
	TUI_AK_VIEW, /* reads or arranges what is shown: never changes anything */
	TUI_AK_FORM, /* opens a form whose end is a signed log entry */
	TUI_AK_EDIT  /* a key inside a form */
} tui_action_kind;

#define TUI_CUST TUI_R_CUSTODIAN
#define TUI_ENTER '\n'

/* X(id, key, alt, fkey, kind, label, help, roles, views) */
#define TUI_ACTIONS(X)                                                                        \
	X(A_HELP, '?', TUI_FN(KEY_F(1)), 1, TUI_AK_NAV, "Help",                               \
	  "show the keys of this screen", TUI_R_ANY, TUI_V_ALL & ~TUI_V_SCAN)                 \
	X(A_SCAN_HELP, TUI_FN(KEY_F(1)), 0, 1, TUI_AK_NAV, "Help",                            \
	  "show the keys of scanning (? is typed into the scan line)", TUI_R_ANY, TUI_V_SCAN) \
	X(A_BACK, 'q', TUI_ESC, 0, TUI_AK_NAV, "Back",                                        \
	  "go back to the previous screen", TUI_R_ANY, TUI_V_SCREENS)                         \
	X(A_QUIT, TUI_FN(KEY_F(10)), 0, 10, TUI_AK_NAV, "Quit",                               \
	  "leave custos", TUI_R_ANY, TUI_V_ALL)                                               \
	X(A_RELOAD, TUI_CTRL('l'), TUI_FN(KEY_F(5)), 5, TUI_AK_NAV, "Reload",                 \
	  "read the screen again from the database", TUI_R_ANY, TUI_V_SCREENS)                \
	X(A_DASHBOARD, '1', 0, 0, TUI_AK_NAV, "Dashboard",                                    \
	  "alarms: overdue destruction, incidents, transit, inventory, hand receipts",       \
	  TUI_R_ANY, TUI_V_SCREENS)                                                           \
	X(A_HOLDINGS, '2', 0, 0, TUI_AK_NAV, "Holdings",                                      \
	  "the account's material", TUI_R_ANY, TUI_V_SCREENS)                                 \
	X(A_TXNS, '3', 0, 0, TUI_AK_NAV, "Transactions",                                      \
	  "transactions of the account, and transfers coming in", TUI_R_ANY, TUI_V_SCREENS)   \
	X(A_INCIDENTS, '4', 0, 0, TUI_AK_NAV, "Incidents",                                    \
	  "incidents, open and closed", TUI_R_ANY, TUI_V_SCREENS)                             \
	X(A_LOG, '5', 0, 0, TUI_AK_NAV, "Log",                                                \
	  "the signed log, newest first", TUI_R_ANY, TUI_V_SCREENS)                           \
	X(A_PEOPLE, '6', 0, 0, TUI_AK_NAV, "People",                                          \
	  "people, their roles and keys", TUI_R_SEES_ALL, TUI_V_SCREENS)                      \
	X(A_ACCOUNT, 'A', 0, 0, TUI_AK_NAV, "Account",                                        \
	  "switch to your next account", TUI_R_ANY, TUI_V_LISTS)                              \
	X(A_UP, 'k', TUI_FN(KEY_UP), 0, TUI_AK_NAV, "Up",                                     \
	  "move up one line", TUI_R_ANY, TUI_V_SCREENS)                                       \
	X(A_DOWN, 'j', TUI_FN(KEY_DOWN), 0, TUI_AK_NAV, "Down",                               \
	  "move down one line", TUI_R_ANY, TUI_V_SCREENS)                                     \
	X(A_PGUP, TUI_FN(KEY_PPAGE), 0, 0, TUI_AK_NAV, "PgUp",                                \
	  "one page up", TUI_R_ANY, TUI_V_SCREENS)                                            \
	X(A_PGDN, TUI_FN(KEY_NPAGE), 0, 0, TUI_AK_NAV, "PgDn",                        \
	  "one page down", TUI_R_ANY, TUI_V_SCREENS)                                          \
	X(A_HOME, TUI_FN(KEY_HOME), 'g', 0, TUI_AK_NAV, "Home",                               \
	  "go to the first line", TUI_R_ANY, TUI_V_SCREENS)                                   \
	X(A_END, TUI_FN(KEY_END), 'G', 0, TUI_AK_NAV, "End",                                  \
	  "go to the last line", TUI_R_ANY, TUI_V_SCREENS)                                    \
	X(A_OPEN, TUI_ENTER, TUI_FN(KEY_ENTER), 0, TUI_AK_NAV, "Open",                        \
	  "open the line under the cursor", TUI_R_ANY, TUI_V_LISTS)                           \
	X(A_SEARCH, '/', TUI_FN(KEY_F(3)), 3, TUI_AK_VIEW, "Search",                          \
	  "find by short title or serial prefix", TUI_R_ANY, TUI_V_HOLDINGS)                  \
	X(A_NEXT, 'n', 0, 0, TUI_AK_VIEW, "Next",                                             \
	  "next match of the search", TUI_R_ANY, TUI_V_HOLDINGS)                              \
	X(A_PREV, 'N', 0, 0, TUI_AK_VIEW, "Previous",                                         \
	  "previous match of the search", TUI_R_ANY, TUI_V_HOLDINGS)                          \
	X(A_MARK, ' ', 0, 0, TUI_AK_VIEW, "Mark",                                             \
	  "mark or unmark the item under the cursor", TUI_R_ANY, TUI_V_HOLDINGS)              \
	X(A_FILTER, 'f', TUI_FN(KEY_F(4)), 4, TUI_AK_VIEW, "Filter",                          \
	  "filter by status, type, classification, ALC", TUI_R_ANY, TUI_V_HOLDINGS)           \
	X(A_SORT, 's', TUI_FN(KEY_F(6)), 6, TUI_AK_VIEW, "Sort",                              \
	  "change the order of the list", TUI_R_ANY, TUI_V_HOLDINGS)                          \
	X(A_VERIFY, 'v', TUI_FN(KEY_F(7)), 7, TUI_AK_VIEW, "Verify",                          \
	  "verify the whole log: chain, signatures, state tables", TUI_R_SEES_ALL, TUI_V_LOG) \
	X(A_PRINT, 'P', 0, 0, TUI_AK_VIEW, "Print",                                           \
	  "write the report of the transaction under the cursor as PDF (CUSTOS_PAPER: a4 or letter)", \
	  TUI_R_ANY, TUI_V_TXNS | TUI_V_LOG | TUI_V_ITEM)                                     \
	X(A_RECEIVE, 'r', 0, 0, TUI_AK_FORM, "Receive",                                       \
	  "material comes on the account (receipt)", TUI_CUST, TUI_V_HOLDINGS)                \
	X(A_TRANSFER, 't', 0, 0, TUI_AK_FORM, "Transfer",                                     \
	  "send the marked items to another account", TUI_CUST, TUI_V_HOLDINGS)               \
	X(A_ISSUE, 'i', 0, 0, TUI_AK_FORM, "Issue",                                           \
	  "issue the marked items on hand receipt", TUI_CUST, TUI_V_HOLDINGS)                 \
	X(A_RETURN, 'u', 0, 0, TUI_AK_FORM, "Return",                                         \
	  "return items from a hand receipt", TUI_CUST, TUI_V_HOLDINGS)                       \
	X(A_DESTROY, 'd', 0, 0, TUI_AK_FORM, "Destroy",                                       \
	  "destroy the marked items, with a witness", TUI_CUST, TUI_V_HOLDINGS)               \
	X(A_POSSESSION, 'p', 0, 0, TUI_AK_FORM, "Possession",                                 \
	  "found material comes on the account (possession report)", TUI_CUST,               \
	  TUI_V_HOLDINGS | TUI_V_RECON)                                                       \
	X(A_INVENTORY, 'I', 0, 0, TUI_AK_FORM, "Inventory",                                   \
	  "record the marked items as sighted in an inventory, with a witness", TUI_CUST,    \
	  TUI_V_HOLDINGS)                                                                     \
	X(A_SCAN, 'S', 0, 0, TUI_AK_FORM, "Scan inventory",                                   \
	  "inventory mode: the account's open inventory session (or a new one), scanned "     \
	  "serial by serial", TUI_CUST, TUI_V_HOLDINGS)                                       \
	X(A_HANDOVER, 'H', 0, 0, TUI_AK_FORM, "Handover",                                     \
	  "change of custodian: the marked items are the joint inventory of all on hand "    \
	  "or issued", TUI_CUST, TUI_V_HOLDINGS)                                              \
	X(A_ALC, 'L', 0, 0, TUI_AK_FORM, "ALC",                                               \
	  "change the ALC of the marked items (a downgrade on the national authority's "      \
	  "reference)", TUI_CUST, TUI_V_HOLDINGS)                                             \
	X(A_EFFECTIVE, 'E', 0, 0, TUI_AK_FORM, "Effective",                                   \
	  "put the marked keying material, held in reserve, into effect", TUI_CUST,           \
	  TUI_V_HOLDINGS)                                                                     \
	X(A_INCIDENT_REPORT, 'x', 0, 0, TUI_AK_FORM, "Incident",                              \
	  "report an incident (loss, compromise)", TUI_CUST,                                  \
	  TUI_V_HOLDINGS | TUI_V_INCIDENTS | TUI_V_RECON)                                     \
	X(A_ACCEPT, 'a', 0, 0, TUI_AK_FORM, "Accept",                                         \
	  "accept the incoming transfer under the cursor", TUI_CUST, TUI_V_TXNS)              \
	X(A_REJECT, 'R', 0, 0, TUI_AK_FORM, "Reject",                                         \
	  "refuse the incoming transfer under the cursor: it goes back to the sender",        \
	  TUI_CUST, TUI_V_TXNS)                                                               \
	X(A_RECALL, 'W', 0, 0, TUI_AK_FORM, "Recall",                                         \
	  "withdraw your transfer under the cursor while it is in transit", TUI_CUST,         \
	  TUI_V_TXNS)                                                                         \
	X(A_INCIDENT_UPDATE, 'U', 0, 0, TUI_AK_FORM, "Update",                                \
	  "an amplifying report on the incident under the cursor", TUI_CUST,                  \
	  TUI_V_INCIDENTS)                                                                    \
	X(A_INCIDENT_CLOSE, 'c', 0, 0, TUI_AK_FORM, "Close",                                  \
	  "close the incident under the cursor (relief, with the authority)", TUI_CUST,       \
	  TUI_V_INCIDENTS)                                                                    \
	X(A_ACCOUNTS, 'l', 0, 0, TUI_AK_VIEW, "Accounts/people",                             \
	  "switch the list: people, or the accounts (this ledger's and those outside it)",   \
	  TUI_R_SEES_ALL, TUI_V_PEOPLE)                                                       \
	X(A_PERSON_DETAILS, 'e', 0, 0, TUI_AK_FORM, "Rank/position",                          \
	  "set the rank or grade and position of the person under the cursor", TUI_R_ADMIN,  \
	  TUI_V_PEOPLE)                                                                       \
	X(A_ACCOUNT_DETAILS, 'D', 0, 0, TUI_AK_FORM, "Account details",                       \
	  "set the address and COR account of the account under the cursor", TUI_R_ADMIN,    \
	  TUI_V_PEOPLE)                                                                       \
	X(A_ACCOUNT_OUTSIDE, 'O', 0, 0, TUI_AK_FORM, "Outside account",                       \
	  "register an account outside this ledger (another organisation's)", TUI_R_ADMIN,   \
	  TUI_V_PEOPLE)                                                                       \
	X(A_KEY_ROTATE, 'K', 0, 0, TUI_AK_FORM, "Rotate key",                                 \
	  "replace the key of the person under the cursor with a new one", TUI_R_ADMIN,      \
	  TUI_V_PEOPLE)                                                                       \
	X(A_POLICY_SET, 'Y', 0, 0, TUI_AK_FORM, "Policy",                                     \
	  "set the ledger's policy (deadlines, alarms, two-person class) with a second "      \
	  "administrator or an authority", TUI_R_ADMIN, TUI_V_PEOPLE)                         \
	X(A_PERSON_ENROL, 'P', 0, 0, TUI_AK_FORM, "Enrol",                                    \
	  "enrol a new person (key, first role, login), co-signed", TUI_R_ADMIN,            \
	  TUI_V_PEOPLE)                                                          \
	X(A_ACCOUNT_OPEN, 'o', 0, 0, TUI_AK_FORM, "Open account",                             \
	  "open a new account of this ledger", TUI_R_ADMIN, TUI_V_PEOPLE)                     \
	X(A_APPOINT, 'a', 0, 0, TUI_AK_FORM, "Appoint",                                       \
	  "give the person under the cursor one more role, co-signed", TUI_R_ADMIN,         \
	  TUI_V_PEOPLE)                                                \
	X(A_KEY_REVOKE, 'X', 0, 0, TUI_AK_FORM, "Revoke",                                     \
	  "revoke a role of the person under the cursor (the last: the person)",            \
	  TUI_R_ADMIN, TUI_V_PEOPLE)                                         \
	X(A_SCAN_SEND, TUI_ENTER, TUI_FN(KEY_ENTER), 0, TUI_AK_EDIT, "Send scan",             \
	  "scanning: the serial typed goes to the session (a scanner types it and Enter)",   \
	  TUI_CUST, TUI_V_SCAN)                                                               \
	X(A_SCAN_ERASE, TUI_FN(KEY_BACKSPACE), 0x7f, 0, TUI_AK_EDIT, "Erase",                 \
	  "scanning: erase the last character of the scan line", TUI_R_ANY, TUI_V_SCAN)      \
	X(A_SCAN_LEAVE, TUI_ESC, 0, 0, TUI_AK_NAV, "Leave scanning",                          \
	  "leave scanning (the session stays open)", TUI_R_ANY, TUI_V_SCAN)                  \
	X(A_SCAN_RECONCILE, TUI_FN(KEY_F(5)), 0, 5, TUI_AK_VIEW, "Reconcile",                 \
	  "the session's reconciliation: sighted, not sighted, found, quantity differences", \
	  TUI_R_ANY, TUI_V_SCAN)                                                              \
	X(A_RECON_COUNT, 'Q', 0, 0, TUI_AK_FORM, "Count",                                     \
	  "sight the expected item under the cursor by title, a lot with the quantity "      \
	  "counted", TUI_CUST, TUI_V_RECON)                                                   \
	X(A_RECON_SCAN, 'S', 0, 0, TUI_AK_NAV, "Scan",                                        \
	  "back to scanning", TUI_R_ANY, TUI_V_RECON)                                         \
	X(A_RECON_CLOSE, 'C', 0, 0, TUI_AK_FORM, "Certify",                                   \
	  "close the session: sign its certification with the witness (every expected item " \
	  "sighted)", TUI_CUST, TUI_V_RECON)                                                  \
	X(A_FORM_NEXT, '\t', TUI_FN(KEY_DOWN), 0, TUI_AK_EDIT, "Next field",                  \
	  "move to the next field", TUI_R_ANY, TUI_V_FORM)                                    \
	X(A_FORM_PREV, TUI_FN(KEY_BTAB), TUI_FN(KEY_UP), 0, TUI_AK_EDIT, "Prev field",        \
	  "move to the previous field", TUI_R_ANY, TUI_V_FORM)                                \
	X(A_FORM_CONFIRM, TUI_FN(KEY_F(2)), TUI_CTRL('s'), 2, TUI_AK_EDIT, "Confirm",         \
	  "show the entry that will be signed", TUI_R_ANY, TUI_V_FORM)                        \
	X(A_FORM_ANOTHER, TUI_CTRL('n'), 0, 0, TUI_AK_EDIT, "Another item",                   \
	  "add a row for one more item (receive, possession report)", TUI_R_ANY, TUI_V_FORM)  \
	X(A_FORM_SIGN, 'y', TUI_ENTER, 0, TUI_AK_EDIT, "Sign",                                \
	  "on the confirmation: sign the entry", TUI_R_ANY, TUI_V_FORM)                       \
	X(A_FORM_CANCEL, TUI_ESC, 0, 0, TUI_AK_EDIT, "Cancel",                                \
	  "leave the form (on the confirmation: back to the form)", TUI_R_ANY, TUI_V_FORM)

typedef enum tui_action {
	A_NONE = 0,
#define TUI_ACTION_ENUM(id, key, alt, fkey, kind, label, help, roles, views) id,
	TUI_ACTIONS(TUI_ACTION_ENUM)
#undef TUI_ACTION_ENUM
	A__COUNT
} tui_action;

/* One row of the table. */
typedef struct tui_action_def {
	tui_action id;
	const char *name; /* "A_HELP" */
	int key, alt;
	int fkey;
	tui_action_kind kind;
	const char *label, *help;
	unsigned roles, views;
} tui_action_def;

/* The row of `a` (A_NONE < a < A__COUNT), or NULL. */
const tui_action_def *tui_action_get(tui_action a);

/* The action that `key` triggers in a view of kind `view` (one TUI_V_*
 * bit), or A_NONE.  Ignores roles: a refused key is still recognised, so
 * that the refusal can say which role it needs. */
tui_action tui_action_for_key(int key, unsigned view);

/* Whether a person with role bits `roles` may use `a`. */
bool tui_action_allowed(tui_action a, unsigned roles);

/* True for actions that change the ledger (kind TUI_AK_FORM). */
bool tui_action_mutates(tui_action a);

/* The actions offered in `view` to `roles`, in table order, into
 * out[0..cap); returns how many there are (may exceed cap). */
size_t tui_actions_offered(unsigned view, unsigned roles, tui_action *out, size_t cap);

/* The name of a key as help shows it ("F1", "Esc", "Enter", "PgUp",
 * "Space", "Ctrl-L", "/", "é"), NUL-terminated in buf (cap >= 16). */
const char *tui_key_name(int key, char *buf, size_t cap);

/* The function-key bar for `view` and `roles`: "F1 Help  F3 Search ...
 * F10 Quit", then the single-key actions that open a form ("r Receive  t
 * Transfer ...") and a form's control keys ("Ctrl-N Another item"), then
 * those that arrange the view ("n Next  Space Mark"), written into buf
 * (NUL-terminated, cut between items at cap).  Only actions allowed to
 * `roles`. */
void tui_bar_text(unsigned view, unsigned roles, char *buf, size_t cap);

/* The help lines for `view` and `roles`: for each action the table offers
 * there, "KEYS  LABEL: help", calling line(ctx, text) once per action in
 * table order; actions the person may not use are listed with " (needs
 * ROLE)" appended.  Returns the number of lines. */
size_t tui_help_lines(unsigned view, unsigned roles,
		      void (*line)(void *ctx, tui_action a, const char *text), void *ctx);

/* Words for role bits ("custodian or alternate", "administrator, auditor
 * or authority"), into buf. */
const char *tui_roles_text(unsigned roles, char *buf, size_t cap);

#endif
