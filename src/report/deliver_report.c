/* Closing a delivery and saying what it left undone: one wording and one
 * exit rule for syslog, hec and securityhub.  See deliver.h. */
#include <string.h>

#include "base/log.h"
#include "report/deliver.h"

int ep_deliver_close_report(struct ep_deliver *dl, const struct ep_deliver_words *w,
                            const char *dest, const char *spool, struct ep_deliver_stats *st)
{
	const char *sep = dest ? ": " : "";
	int rc;

	if (dest == NULL)
		dest = "";
	memset(st, 0, sizeof(*st));
	rc = ep_deliver_close(dl, st);
	if (st->pending)
		ep_log(
		    EP_LOG_WARN, w->log,
		    "%s%s%llu %s not %s, kept in the spool %s (sent: %llu, %llu of them from the "
		    "spool); 'ecsprobe flush --spool %s' %s them",
		    dest, sep, (unsigned long long)st->pending, w->noun, w->verb, spool,
		    (unsigned long long)st->sent, (unsigned long long)st->replayed, spool, w->redo);
	if (st->dropped)
		ep_log(EP_LOG_ERROR, w->log, "%s%s%llu %s dropped (%s%s%s); %llu sent", dest, sep,
		       (unsigned long long)st->dropped, w->noun,
		       spool[0] ? "queue or spool full, or the spool failed" : "not ",
		       spool[0] ? "" : w->verb, spool[0] ? "" : ", and no --spool DIR to keep them",
		       (unsigned long long)st->sent);
	else if (st->replayed && !st->pending)
		ep_log(EP_LOG_INFO, w->log, "%s%s%llu spooled %s %s", dest, sep,
		       (unsigned long long)st->replayed, w->noun, w->verb);
	if (rc == 0 && st->pending)
		rc = EP_EAGAIN;
	return rc;
}
