#!/usr/bin/perl
# Sign messages with Mail::DKIM::Signer (Debian libmail-dkim-perl), for
# the verify-direction interop test (dkim_verify_interop.py).
#
# Usage: dkim_sign_maildkim.pl < jobs.json > fields.json
#
# Input: {"domain": D, "timestamp": T, "jobs": [{"key": PEM file,
# "selector": S, "canon": "relaxed/simple", "length": 0|1,
# "message": base64 of the message}, ...]}. Messages are fed as they are:
# the caller gives CRLF line ends (Mail::DKIM expects the SMTP form).
# Output: a JSON array, one entry per job: {"field": base64 of the
# DKIM-Signature field with its CRLF} or {"error": text}.
# rsa-sha256 only: Mail::DKIM 1.20230212 has no ed25519-sha256 (its
# Algorithm:: modules are rsa_sha1 and rsa_sha256).
#
# l=: Mail::DKIM hashes the first l= canonical body bytes of a signature
# whose body_count is set, but does not compute l= itself. A first
# signing without l= gives the canonical body length (the body
# canonicalizer's byte count), a second one signs with l= set to it.
# Exit status: 0 done (errors are per job), 2 usage, 77 Mail::DKIM is not
# installed (test skipped).
use strict;
use warnings;

BEGIN {
    eval { require Mail::DKIM::Signer; require Mail::DKIM::Signature; 1 } or do {
        print "SKIP: Mail::DKIM (libmail-dkim-perl) is not installed\n";
        exit 77;
    };
}
use JSON::PP;
use MIME::Base64;

# One signing; returns (the signature object, canonical body byte count).
sub sign_once {
    my ($req, $job, $msg, $body_count) = @_;
    my %sig = (
        Algorithm => 'rsa-sha256',
        Method    => $job->{canon},
        Domain    => $req->{domain},
        Selector  => $job->{selector},
        Timestamp => $req->{timestamp},
    );
    my $signer = Mail::DKIM::Signer->new(
        KeyFile => $job->{key},
        Policy  => sub {
            my $s = shift;
            my $sig = Mail::DKIM::Signature->new( %sig, Headers => $s->headers );
            $sig->body_count($body_count) if defined $body_count;
            $s->add_signature($sig);
            return;
        },
    );
    $signer->PRINT($msg);
    $signer->CLOSE();
    my $alg = $signer->{algorithms} && $signer->{algorithms}[0];
    die "Mail::DKIM internals changed: no algorithm object\n"
      unless $alg && $alg->{body_canon};
    return ( $signer->signature, $alg->{body_canon}->body_count );
}

sub sign_job {
    my ( $req, $job ) = @_;
    my $msg = decode_base64( $job->{message} );
    my ( $sig, $count ) = sign_once( $req, $job, $msg, undef );
    ( $sig, undef ) = sign_once( $req, $job, $msg, $count ) if $job->{length};
    die "no signature made\n" unless $sig;
    # as_string() is "DKIM-Signature: " and the tags, folded with CRLF.
    return $sig->as_string() . "\015\012";
}

if (@ARGV) {
    print STDERR "usage: $0 < jobs.json > fields.json\n";
    exit 2;
}
my $req = decode_json( do { local $/; <STDIN> } );
my @out;
for my $job ( @{ $req->{jobs} } ) {
    my $field = eval { sign_job( $req, $job ) };
    push @out, defined $field ? { field => encode_base64( $field, '' ) }
                              : { error => ( $@ || 'unknown error' ) };
}
print encode_json( \@out ), "\n";
exit 0;
