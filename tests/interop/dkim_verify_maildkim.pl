#!/usr/bin/perl
# Verify the DKIM signature(s) of one message with Mail::DKIM (Debian
# libmail-dkim-perl), DNS answered from a zone file instead of the network.
#
# Usage: dkim_verify_maildkim.pl ZONEFILE [ZONEFILE...] < message
#        dkim_verify_maildkim.pl ZONEFILE [ZONEFILE...] -- MESSAGE [MESSAGE...]
#
# ZONEFILE is in the mailauth zone format (docs/zone-format.md); only its
# TXT lines are used. Bare LF line ends in the message are taken as CRLF.
# Mail::DKIM::DNS::query is replaced by a lookup in the zone (Mail::DKIM
# resolves keys through it, also on its asynchronous path).
# Prints one line per signature ("pass"/"fail: why"), after "MESSAGE: "
# when messages are given as files. Exit status: 0 all
# signatures pass, 1 one fails or there is none, 2 usage, 77 Mail::DKIM
# is not installed (test skipped).
use strict;
use warnings;

BEGIN {
    eval { require Mail::DKIM::Verifier; require Net::DNS; 1 } or do {
        print "SKIP: Mail::DKIM (libmail-dkim-perl) is not installed\n";
        exit 77;
    };
}

my @zones = @ARGV;
my @files;
for my $i (0 .. $#ARGV) {
    next unless $ARGV[$i] eq '--';
    @zones = @ARGV[ 0 .. $i - 1 ];
    @files = @ARGV[ $i + 1 .. $#ARGV ];
    last;
}
if (!@zones) {
    print STDERR "usage: $0 ZONEFILE [ZONEFILE...] [-- MESSAGE...] < message\n";
    exit 2;
}

# owner (lower case, no trailing dot) => [ [strings of one TXT record], ... ]
my %zone;
for my $path (@zones) {
    open(my $fh, '<', $path) or die "$path: $!\n";
    while (my $line = <$fh>) {
        $line =~ s/^\s+|\s+$//g;
        next if $line eq '' || $line =~ /^[#;]/;
        next unless $line =~ /^(\S+)\s+TXT\s+(.*)$/i;
        my ($owner, $rest) = (lc $1, $2);
        $owner =~ s/\.$//;
        my @strings;
        while ($rest =~ /"((?:[^"\\]|\\.)*)"/g) {
            my $s = $1;
            $s =~ s/\\(\d{3})/chr($1)/ge;
            $s =~ s/\\(.)/$1/g;
            push @strings, $s;
        }
        push @{ $zone{$owner} }, \@strings;
    }
    close($fh);
}

{
    no warnings 'redefine';
    *Mail::DKIM::DNS::query = sub {
        my ($name, $type) = @_;
        my $owner = lc $name;
        $owner =~ s/\.$//;
        my $records = $zone{$owner};
        if (!$records || uc $type ne 'TXT') {
            $@ = 'NXDOMAIN';
            return;
        }
        $@ = 'NOERROR';
        return map { Net::DNS::RR->new(name => $owner, type => 'TXT', txtdata => $_) }
          @$records;
    };
}

# [ [passed, text], ... ] for every DKIM-Signature of the message.
sub verify_message {
    my ($msg) = @_;
    $msg =~ s/(?<!\r)\n/\r\n/g;
    my $v = Mail::DKIM::Verifier->new();
    $v->PRINT($msg);
    $v->CLOSE();
    my @sigs = $v->signatures;
    return ( [ 0, 'fail: no DKIM-Signature field' ] ) if !@sigs;
    return map {
        my $r = $_->result;
        $r eq 'pass' ? [ 1, 'pass' ] : [ 0, 'fail: ' . $_->result_detail ]
    } @sigs;
}

my $ok = 1;
for my $path (@files ? @files : (undef)) {
    my $fh = \*STDIN;
    if (defined $path) {
        open($fh, '<', $path) or die "$path: $!\n";
    }
    binmode($fh);
    my $msg = do { local $/; <$fh> };
    close($fh) if defined $path;
    for my $res (verify_message($msg)) {
        print defined $path ? "$path: $res->[1]\n" : "$res->[1]\n";
        $ok = 0 unless $res->[0];
    }
}
exit($ok ? 0 : 1);
