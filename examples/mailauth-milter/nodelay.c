/* mailauth-milter: TCP_NODELAY on the milter's listening TCP socket.
 *
 * A milter conversation is a run of small request/reply packets. With
 * Nagle's algorithm on, a reply written while an earlier one is still
 * unacknowledged waits for the MTA's delayed ACK (40 ms at least on
 * Linux): a measured 40 ms per message over loopback TCP, none over a UNIX
 * socket. libmilter does not hand out the socket it listens on, so it is
 * found among the open descriptors (a listening stream socket of an inet
 * family); the connections it accepts inherit the option. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "milter.h"

#define MAX_FD_SCAN 4096 /* the listener is opened early: a low descriptor */

static bool
inet_listener(int fd)
{
    struct sockaddr_storage ss;
    socklen_t               len = sizeof(ss);
    int                     listening = 0, type = 0;
    socklen_t               ilen = sizeof(int);
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &ilen) != 0 || !listening)
        return false;
    ilen = sizeof(int);
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &ilen) != 0 || type != SOCK_STREAM)
        return false;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return false;
    return ss.ss_family == AF_INET || ss.ss_family == AF_INET6;
}

void
ma_listener_nodelay(void)
{
    long max = sysconf(_SC_OPEN_MAX);
    int  on = 1;
    if (max < 0 || max > MAX_FD_SCAN)
        max = MAX_FD_SCAN;
    for (int fd = 0; fd < (int)max; fd++) {
        if (inet_listener(fd) &&
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, (socklen_t)sizeof(on)) != 0)
            ma_log(MA_LOG_WARNING, "cannot set TCP_NODELAY on the milter socket");
    }
}
