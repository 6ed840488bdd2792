/* The header section of a message as it arrives at an MX, shared by the
 * benchmarks that build messages (bench_dkim, bench_inflight). */
#ifndef BENCH_ARRIVAL_H
#define BENCH_ARRIVAL_H

/* About ten fields: two Received (folded), the originator and destination
 * fields, a Subject with a double space, MIME; CRLF line ends, no blank
 * line after it. */
extern const char bench_arrival_header[];

#endif
