/* mailauth-milter: the `history` key (DMARC report rows).
 *
 * The rows go to a history store of libmailauth-report, which this build
 * does not link: the key is read and checked, and ma_history_record() is
 * the one place where a row of an evaluated message is to be written. */
#include <string.h>

#include "milter.h"

bool
ma_history_uri_valid(const char *uri)
{
    if (strncmp(uri, "sqlite:", 7) == 0)
        return uri[7] != '\0';
    if (strncmp(uri, "postgresql://", 13) == 0 || strncmp(uri, "postgres://", 11) == 0)
        return true;
    return false;
}

void
ma_history_open(const struct ma_config *c)
{
    if (c->history != NULL)
        ma_log(MA_LOG_WARNING,
               "history = %s: history recording is not available in this build; "
               "no DMARC report rows are written",
               c->history);
}

void
ma_history_record(const struct ma_config *c, mailauth_eval_t *ev, const char *client_ip,
                  const char *mail_from)
{
    /* The DMARC report row of this message (client address, envelope and
     * header From, the DMARC result and its SPF and DKIM inputs, the
     * disposition) is written here once the history store is linked. */
    (void)c;
    (void)ev;
    (void)client_ip;
    (void)mail_from;
}
