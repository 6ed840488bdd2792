/* mailauth: umbrella header. */
#ifndef MAILAUTH_H
#define MAILAUTH_H

#include <mailauth/arc.h>
#include <mailauth/authres.h>
#include <mailauth/ctx.h>
#include <mailauth/dkim.h>
#include <mailauth/dmarc.h>
#include <mailauth/dns.h>
#include <mailauth/eval.h>
#include <mailauth/iprev.h>
#include <mailauth/export.h>
#include <mailauth/sign.h>
#include <mailauth/spf.h>
#include <mailauth/status.h>
#include <mailauth/verify.h>
#include <mailauth/version.h>

#endif
