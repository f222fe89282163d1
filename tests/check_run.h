/* check_run.h: the one way every Check suite of custos is run. */
#ifndef CUSTOS_CHECK_RUN_H
#define CUSTOS_CHECK_RUN_H

#include <check.h>
#include <stdlib.h>

/* Run suite s (freeing it) and return the process exit status: success
 * only if no test failed. */
static inline int check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
