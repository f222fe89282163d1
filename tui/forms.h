/* forms.h: the action forms of the terminal UI (receive, transfer, accept,
 * issue, return, destroy, possession, incident report, amplifying report,
 * incident close).
 *
 * A form is a view (tui/form.h) pushed on the stack by forms_open; it
 * validates each field as it is typed, shows the exact entry text that
 * will be signed (ledger_preview) and who must sign, asks the
 * passphrase(s), submits with an idempotency key made when the form
 * opened, and says the result (entry index and transaction number) or the
 * refusal in words. */
#ifndef CUSTOS_TUI_FORMS_H
#define CUSTOS_TUI_FORMS_H

#include "../src/invsession.h"
#include "tui.h"

/* Open the form of action `id` (one of the TUI_AK_FORM actions of
 * actions.h) over the current view, starting from `sel` (copied; may be
 * NULL).  Checks the person's role first (tui_allowed: a refusal says which
 * role is needed and opens nothing); an action with no form, or a
 * selection that does not fit (no item marked for a transfer, no incoming
 * transfer under the cursor for accept), is said on the message line. */
void forms_open(tui_app *app, tui_action id, const tui_selection *sel);

/* Open the form that closes inventory session `session` (of kind `kind`)
 * on `account` with its certification: the confirmation shows the exact
 * entry (invsession_certification, ledger_preview), the witness
 * (periodic) or the incoming custodian (custodian-change, named in the
 * form's one field) chooses their key file and passphrase as in every
 * two-person form, and invsession_close signs; the message line then says
 * the entry, its transaction number and what it did to the inventory
 * clock (ledger_inventory_words).  A session that cannot close yet is
 * refused in words on the form.  Checks the role first. */
void forms_inventory_close(tui_app *app, const char *account, int64_t session,
			   invsession_kind kind);

#endif
