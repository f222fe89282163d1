/* form.h: the form engine of the terminal UI.
 *
 * A form is a view (tui.h's tui_view_ops) with four stages:
 *
 *   edit     fields typed in (UTF-8, cursor by display width), each checked
 *            as it is typed by its validator (tui/validate.h), the problem
 *            shown beside the field; typing into a default not edited yet
 *            replaces it (form_field_key); Tab/Down, Shift-Tab/Up move; F2
 *            or Ctrl-S goes on; Esc cancels the form.
 *   confirm  the exact entry text that will be signed (ledger_preview) and
 *            who must sign; y or Enter signs; Esc goes back to the form with
 *            what was typed kept.
 *   keys     the actor's passphrase if their key is not loaded yet; for a
 *            two-person action the second person chooses their key file
 *            (a path, starting where their key is expected: NAME.key
 *            beside the actor's key), which the ledger's preview checks
 *            at once (another person, who may sign), then types their
 *            passphrase.
 *   submit   ledger_submit with the idempotency key made when the form
 *            opened and the previewed text as `expect`; on a lost
 *            connection the form says so, reconnects and submits the same
 *            request again (it applies once); a refusal is shown in words
 *            and the form stays, with its input.  Success closes the form
 *            and puts "entry N, txn T" on the message line.
 *
 * The forms themselves (tui/forms.c) describe their fields and how the
 * fields make a ledger_request. */
#ifndef CUSTOS_TUI_FORM_H
#define CUSTOS_TUI_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "../src/ledger.h"
#include "passentry.h"
#include "tui.h"
#include "validate.h"

#define FORM_FIELDS_MAX 96
#define FORM_INTRO_MAX 8
#define FORM_LINE_MAX 160
#define FORM_NOTE_MAX 1024 /* a refusal in words: shown wrapped (FORM_NOTE_LINES) */
#define FORM_NOTE_LINES 4

/* A validator of a field's text: ST_OK, or a failure with words in err. */
typedef status (*form_check_fn)(const char *value, errbuf *err);

typedef struct form_field {
	char label[40];
	char value[VALIDATE_FIELD_MAX + 1]; /* UTF-8, NUL-terminated */
	size_t len;                         /* bytes in value */
	size_t cur;                         /* cursor: a byte offset on a character
					     * boundary */
	size_t max;                         /* most bytes it takes */
	form_check_fn check;                /* NULL: anything goes */
	char error[FORM_LINE_MAX];          /* the validator's words, "" if fine */
	int row;                            /* item row it belongs to (0: none) */
	bool untouched;                     /* holds form_add's initial text, not
					     * edited yet: typing replaces it */
	bool secret;                        /* a password: never drawn, wiped
					     * (form_wipe_secrets) after use */
} form_field;

typedef struct form form;

/* What a form is: its action, its title and how its fields make a request. */
typedef struct form_def {
	tui_action action;
	entry_action entry;   /* the log action it signs */
	const char *title;    /* "Transfer" */
	/* Fill q (account, idem, actor are set already) from the fields and
	 * the selection; memory it points to (items, text) belongs to f and
	 * lives until the next build or the form's end.  A failure's words go
	 * to err (the focus moves to f->bad_field if set >= 0). */
	status (*build)(form *f, tui_app *app, ledger_request *q, errbuf *err);
	/* Ctrl-N: add a row of fields (receipt and possession items); NULL if
	 * the form has no rows. */
	void (*add_row)(form *f);
} form_def;

typedef enum form_stage {
	FORM_EDIT,
	FORM_CONFIRM,
	FORM_ACTOR_PASS,   /* the actor's passphrase (key not loaded) */
	FORM_SECOND_PATH,  /* the second person's key file */
	FORM_SECOND_PASS   /* the second person's passphrase */
} form_stage;

struct form {
	const form_def *def;
	char account[ENTRY_ACCOUNT_LEN + 1];
	char intro[FORM_INTRO_MAX][FORM_LINE_MAX]; /* lines above the fields */
	size_t nintro;
	form_field fields[FORM_FIELDS_MAX];
	size_t nfields, focus;
	int rows;                   /* item rows made by add_row */
	int bad_field;              /* build: the field at fault, or -1 */
	/* the selection, as identities (title, edition, serial) */
	entry_item *sel;
	size_t nsel;
	uint32_t sel_qty;           /* one item selected: its lot's quantity */
	char sel_txn[ENTRY_TXN_MAX + 1];
	/* what build made */
	entry_item *items;
	size_t nitems;
	char *text;
	size_t textlen;
	ledger_detail details[8];   /* the detail lines, pointing into fields */
	size_t ndetails;
	/* the signing */
	form_stage stage;
	char idem[LEDGER_IDEM_MAX + 1];
	char *preview;              /* the entry text shown on the confirmation */
	size_t previewlen;
	int preview_top;            /* first line shown (scrolling) */
	ledger_signers who;
	char second_default[TUI_PATH_MAX]; /* where the key file chooser starts */
	form_field path;            /* the second person's key file */
	key_public second_pub;      /* whose key that file holds */
	passentry pass;
	key_secret *second;         /* unsealed second key, freed after submit */
	/* After a successful submission, what else the form does outside the
	 * log (key-enrol: the new login's password); NULL if nothing.  A
	 * failure is said beside the entry signed, which stands. */
	status (*after)(form *f, tui_app *app, const ledger_result *res, errbuf *err);
	/* A form whose entry another module signs (an inventory session's
	 * certification: invsession_close), not ledger_submit; NULL for the
	 * ledger's own.  The request is built and previewed as every form's
	 * (def->build, ledger_preview); sign submits it with the keys
	 * (app->key, f->second) and f->idem.  ctx is the form's own data,
	 * freed with free() at the form's end. */
	status (*sign)(form *f, tui_app *app, ledger_result *res, errbuf *err);
	void *ctx;
	bool start_confirm;         /* form_open goes straight to the confirmation
				     * (a form with nothing to type) */
	char note[FORM_NOTE_MAX];   /* the last refusal or notice, in words */
	bool note_error;
};

/* A new, empty form for `def` on `account` (calloc'd, with a fresh
 * idempotency key); NULL when out of memory. */
form *form_new(const form_def *def, const char *account);

/* Append a field (label, initial text, most bytes, validator, item row);
 * NULL when the form is full.  A non-empty initial text is a default:
 * untouched until the person edits it (form_field_key). */
form_field *form_add(form *f, const char *label, const char *initial, size_t max,
		     form_check_fn check, int row);

/* Add a line of text above the fields (cut to FORM_LINE_MAX). */
void form_intro(form *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Keep the selection's items (identity only) in the form. */
status form_keep_selection(form *f, const tui_selection *sel) CUSTOS_WARN_UNUSED;

/* Push the form as a view; it owns f from now on (freed on failure too). */
void form_open(tui_app *app, form *f);

/* Wipe the text of every secret field (a password), the form's end or
 * the submission's: nothing of it stays in memory. */
void form_wipe_secrets(form *f);

/* Free a form that was never opened. */
void form_free(form *f);

/* The field's text, and whether a field is empty. */
const char *form_value(const form *f, size_t i);

/* Editing, for tests and the view: insert a code point at the cursor,
 * erase before / at it, move by one character, set the whole text.  Each
 * makes the field touched; those that change the text run the field's
 * validator again. */
void form_field_insert(form_field *fl, unsigned cp);
void form_field_backspace(form_field *fl);
void form_field_delete(form_field *fl);
void form_field_left(form_field *fl);
void form_field_right(form_field *fl);
void form_field_set(form_field *fl, const char *text);
void form_field_validate(form_field *fl);

/* One key typed into a field (keys as actions.h encodes them); true if it
 * is an editing key.  A printable character goes in at the cursor, except
 * into an untouched default, which it replaces (the way a selected text
 * is replaced); Backspace, Delete, Left, Right, Home/Ctrl-A, End/Ctrl-E
 * and Ctrl-U (erase all) edit, after which the default is the person's
 * text and typing goes in beside it. */
bool form_field_key(form_field *fl, int key);

/* Could a person with `roles` (as query_person's: "role" or
 * "role:account", space separated) be the second signer `need` on
 * `account`?  Witness and second person (of a material action): a role
 * that may witness there (rules_witness_role); authority: the authority
 * role.  A guess for where the key chooser starts; the ledger decides. */
bool form_could_sign(ledger_second need, const char *account, const char *roles);

/* The view table of a form (for tui_push). */
extern const tui_view_ops form_view_ops;

#endif
