/* The arrival header section (bench_arrival.h). */
#include "bench_arrival.h"

const char bench_arrival_header[] =
    "Received: from mail.bench.example (mail.bench.example [192.0.2.25])\r\n"
    "\tby mx.receiver.example (Postfix) with ESMTPS id 4VbT1x2Qz9z1xyz\r\n"
    "\tfor <bob@receiver.example>; Tue, 14 May 2024 09:12:33 +0200 (CEST)\r\n"
    "Received: from [10.0.0.5] (unknown [198.51.100.7])\r\n"
    "\t(Authenticated sender: alice@bench.example)\r\n"
    "\tby mail.bench.example (Postfix) with ESMTPSA id 7F3A21C0042;\r\n"
    "\tTue, 14 May 2024 09:12:31 +0200 (CEST)\r\n"
    "From: Alice Example <alice@bench.example>\r\n"
    "To: Bob Receiver <bob@receiver.example>\r\n"
    "Cc: team@receiver.example\r\n"
    "Subject: Quarterly report:  budget review and delivery schedule\r\n"
    "Date: Tue, 14 May 2024 09:12:30 +0200\r\n"
    "Message-ID: <20240514071230.7F3A21C0042@mail.bench.example>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=\"utf-8\";\r\n"
    "\tformat=flowed\r\n"
    "Content-Transfer-Encoding: 8bit\r\n";
