//go:build ignore

// Gen writes the .eml files of testdata/mail byte for byte as the mail
// software named in each writes them: the charsets, transfer encodings and
// line ends are produced here rather than typed by hand.
//
// Run from the module root: go run testdata/mail/gen.go
package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"log"
	"mime"
	"mime/quotedprintable"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
)

func main() {
	for name, data := range messages() {
		path := filepath.Join("testdata", "mail", name+".eml")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

// enc encodes UTF-8 text s into the charset e.
func enc(e encoding.Encoding, s string) string {
	out, err := e.NewEncoder().String(s)
	if err != nil {
		log.Fatalf("encode %q: %v", s, err)
	}
	return out
}

func cp1251(s string) string { return enc(charmap.Windows1251, s) }
func koi8r(s string) string  { return enc(charmap.KOI8R, s) }
func iso5(s string) string   { return enc(charmap.ISO8859_5, s) }
func cp866(s string) string  { return enc(charmap.CodePage866, s) }

// lf joins header lines and a body into a message with LF line ends, as
// Postfix hands it to a pipe.
func lf(header []string, body string) []byte {
	return []byte(strings.Join(header, "\n") + "\n\n" + body)
}

// b64 encodes b in base64 lines of 76 characters, as MUAs do.
func b64(b string, nl string) string {
	s := base64.StdEncoding.EncodeToString([]byte(b))
	var out strings.Builder
	for len(s) > 76 {
		out.WriteString(s[:76] + nl)
		s = s[76:]
	}
	out.WriteString(s + nl)
	return out.String()
}

// qp encodes b as quoted-printable with soft line breaks, LF line ends.
func qp(b string) string {
	var buf bytes.Buffer
	w := quotedprintable.NewWriter(&buf)
	w.Write([]byte(strings.ReplaceAll(b, "\n", "\r\n")))
	w.Close()
	return strings.ReplaceAll(buf.String(), "\r\n", "\n")
}

// flow wraps each long line of s at a space before column width the way
// Thunderbird's format=flowed does: the space stays at the end of the line.
func flow(s string, width int) string {
	var out strings.Builder
	for _, line := range strings.Split(s, "\n") {
		r := []rune(line)
		for len(r) > width {
			cut := -1
			for i := width - 1; i > 0; i-- {
				if r[i] == ' ' {
					cut = i + 1
					break
				}
			}
			for i := width; cut < 0 && i < len(r)-1; i++ {
				if r[i] == ' ' {
					cut = i + 1 // no space before width: the line stays long up to the next one
				}
			}
			if cut < 0 {
				break
			}
			out.WriteString(string(r[:cut]) + "\n")
			r = r[cut:]
		}
		out.WriteString(string(r) + "\n")
	}
	return strings.TrimSuffix(out.String(), "\n")
}

// flowDelSp breaks long lines anywhere at width, adding a space that the
// reader deletes (format=flowed; delsp=yes, as Apple Mail writes).
func flowDelSp(s string, width int) string {
	var out strings.Builder
	for _, line := range strings.Split(s, "\n") {
		r := []rune(line)
		for len(r) > width {
			out.WriteString(string(r[:width-1]) + " \n")
			r = r[width-1:]
		}
		out.WriteString(string(r) + "\n")
	}
	return strings.TrimSuffix(out.String(), "\n")
}

// received is what the central relay's Postfix adds.
func received(from, ip, id, date string) []string {
	return []string{
		fmt.Sprintf("Received: from %s (%s [%s])", from, from, ip),
		fmt.Sprintf("\tby relay.company.ru (Postfix) with ESMTPS id %s", id),
		fmt.Sprintf("\tfor <userdir@relay.company.ru>; %s", date),
	}
}

func hdr(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

const specLines = `_cmd=insert:type=mbox:name=Иванов Иван Иванович:eml=ivanov@company.ru:vis=1:gor=88-02-93:mer=38-32-93:sot=:of=214:post=Инженер:sdiv=Отдел ИТ
_cmd=update:type=mbox:eml=petrov@company.ru:name=Петров Пётр:act=1:vis=1:post=:of=822:mer=27-71:gor=88-02-49:sot=:sdiv=
_cmd=delete:type=mbox:eml=sidorov@company.ru
`

func messages() map[string][]byte {
	m := map[string][]byte{}

	// An old PHP mail() script: no MIME header at all, 8-bit windows-1251.
	m["cp1251-8bit-nocharset"] = lf(hdr(
		[]string{"Return-Path: <www@tyumen.company.ru>"},
		received("mx.tyumen.company.ru", "10.1.0.25", "4Z9K2L0Q3Fz1", "Mon, 10 Mar 2025 13:55:14 +0500 (+05)"),
		[]string{
			"Date: Mon, 10 Mar 2025 13:55:12 +0500",
			"To: userdir@relay.company.ru",
			"Subject: 0001",
			"X-PHP-Originating-Script: 80:userdir.php",
			"From: www@tyumen.company.ru",
			"Message-Id: <20250310085512.6A1B21C0@mx.tyumen.company.ru>",
		}),
		cp1251("_cmd=insert:type=mbox:name=Кузнецова Анна Сергеевна:eml=Kuznetsova@Company.RU:vis=1:gor=88-02-94:mer=38-32-94:sot=+7 912 000-11-22:of=215:post=Главный бухгалтер:sdiv=Бухгалтерия\n"+
			"_cmd=update:eml=smirnov@company.ru:post=Начальник отдела:of=301\n"))

	// Mutt with koi8-r declared.
	m["koi8r-declared"] = lf([]string{
		"Date: Mon, 10 Mar 2025 14:02:33 +0500",
		"From: " + mime.BEncoding.Encode("koi8-r", koi8r("Администратор")) + " <admin@tobolsk.company.ru>",
		"To: userdir@relay.company.ru",
		"Subject: 0002",
		"Message-ID: <Z86rKQxYc1v0Aa3F@mx.tobolsk.company.ru>",
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=koi8-r",
		"Content-Disposition: inline",
		"Content-Transfer-Encoding: 8bit",
		"User-Agent: Mutt/2.2.13 (2024-03-09)",
	}, koi8r("Добрый день!\n\n_cmd=insert:type=mbox:name=Ёлкин Фёдор Ильич:eml=yolkin@tobolsk.company.ru:gor=24-11-02:mer=11-02:post=Юрисконсульт:sdiv=Юридический отдел\n"+
		"_cmd=update:eml=zaytseva@tobolsk.company.ru:name=Зайцева-Щукина Юлия\n\n-- \nАдминистратор почты, Тобольск\n"))

	// A Python smtplib script (email.message with the utf-8 charset): base64.
	m["base64-utf8"] = lf([]string{
		`Content-Type: text/plain; charset="utf-8"`,
		"MIME-Version: 1.0",
		"Content-Transfer-Encoding: base64",
		"Subject: 0001",
		"From: userdir-sync@tyumen.company.ru",
		"To: userdir@relay.company.ru",
		"Date: Mon, 10 Mar 2025 14:10:00 +0500",
		"Message-ID: <174159780012.4321.1234567890123456789@ad.tyumen.company.ru>",
	}, b64("_cmd=insert:type=mbox:name=Шевченко Тарас Григорьевич:eml=shevchenko@company.ru:gor=+7 (3452) 88-02-95:mer=38-32-95:of=101:post=Ведущий специалист:sdiv=Отдел кадров:act=1:vis=0\n"+
		"_cmd=insert:type=alias:eml=hr@company.ru:dst=Shevchenko@company.ru, kadry@tyumen.company.ru:name=Отдел кадров\n", "\n"))

	// Outlook 2016 in plain-text mode: quoted-printable windows-1251.
	m["qp-cp1251"] = lf([]string{
		"From: " + mime.BEncoding.Encode("windows-1251", cp1251("Петрова Мария")) + " <petrova@tyumen.company.ru>",
		`To: "userdir@relay.company.ru" <userdir@relay.company.ru>`,
		"Subject: 0001",
		"Thread-Topic: 0001",
		"Thread-Index: AdmTQ3kq1Xr0Rz2bQm6xk1tOaVbq5w==",
		"Date: Mon, 10 Mar 2025 09:15:42 +0000",
		"Message-ID: <5A1C1E7B3D2F4B6C9E8D7A6B5C4D3E2F@EXCH01.tyumen.company.ru>",
		"Accept-Language: ru-RU, en-US",
		"Content-Language: ru-RU",
		"X-MS-Has-Attach:",
		"X-MS-TNEF-Correlator:",
		`Content-Type: text/plain; charset="windows-1251"`,
		"Content-Transfer-Encoding: quoted-printable",
		"MIME-Version: 1.0",
	}, qp(cp1251("_cmd=update:type=mbox:eml=petrova@tyumen.company.ru:name=Петрова Мария Ивановна:post=Заместитель начальника отдела информационных технологий:gor=88-02-31\n\n"+
		"С уважением,\nПетрова Мария\n")))

	// Outlook with HTML: multipart/alternative, the text/plain part first.
	outlookPlain := cp1251("Коллеги,\n\n_cmd=insert:type=mbox:name=Соколов Дмитрий Андреевич:eml=sokolov@tyumen.company.ru:gor=88-02-40:mer=38-32-40:of=410:post=Системный администратор:sdiv=Отдел ИТ\n_cmd=delete:eml=orlov@tyumen.company.ru\n\nС уважением,\nОтдел ИТ\n")
	m["multipart-alternative-outlook"] = lf([]string{
		"From: IT <it@tyumen.company.ru>",
		"To: userdir <userdir@relay.company.ru>",
		"Subject: 0001",
		"Thread-Topic: 0001",
		"Date: Mon, 10 Mar 2025 09:30:05 +0000",
		"Message-ID: <9F8E7D6C5B4A39281706F5E4D3C2B1A0@EXCH01.tyumen.company.ru>",
		"Accept-Language: ru-RU, en-US",
		"Content-Language: ru-RU",
		"X-MS-Has-Attach:",
		`Content-Type: multipart/alternative;`,
		`	boundary="_000_9F8E7D6C5B4A39281706F5E4D3C2B1A0EXCH01tyumencompanyru_"`,
		"MIME-Version: 1.0",
	}, "--_000_9F8E7D6C5B4A39281706F5E4D3C2B1A0EXCH01tyumencompanyru_\n"+
		`Content-Type: text/plain; charset="windows-1251"`+"\n"+
		"Content-Transfer-Encoding: quoted-printable\n\n"+
		qp(outlookPlain)+"\n"+
		"--_000_9F8E7D6C5B4A39281706F5E4D3C2B1A0EXCH01tyumencompanyru_\n"+
		`Content-Type: text/html; charset="windows-1251"`+"\n"+
		"Content-Transfer-Encoding: quoted-printable\n\n"+
		qp(cp1251(`<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251"></head><body><p>Коллеги,</p><p>_cmd=insert:type=mbox:name=НЕ ИЗ HTML:eml=html@tyumen.company.ru</p></body></html>`))+"\n"+
		"--_000_9F8E7D6C5B4A39281706F5E4D3C2B1A0EXCH01tyumencompanyru_--\n")

	// Thunderbird 128: multipart/mixed holding multipart/alternative (flowed
	// text/plain and HTML) and a PDF attachment.
	tbPlain := flow("Добрый день.\n\n_cmd=insert:type=mbox:name=Белова Светлана Николаевна:eml=belova@tobolsk.company.ru:gor=24-11-50:mer=11-50:post=Специалист по охране труда:sdiv=Служба охраны труда\n\nСписок сотрудников во вложении.\n", 72)
	m["multipart-mixed-thunderbird"] = lf([]string{
		`Content-Type: multipart/mixed; boundary="------------9kBq2fWw0Z5Lr6uYd3HhT1sX"`,
		"Message-ID: <6b1d0a2e-3c4f-4e8a-9b7c-2d1e0f9a8b7c@tobolsk.company.ru>",
		"Date: Mon, 10 Mar 2025 15:01:22 +0500",
		"MIME-Version: 1.0",
		"User-Agent: Mozilla Thunderbird",
		"Content-Language: ru",
		"To: userdir@relay.company.ru",
		"From: " + mime.BEncoding.Encode("UTF-8", "Кадры Тобольск") + " <kadry@tobolsk.company.ru>",
		"Subject: 0002",
	}, "This is a multi-part message in MIME format.\n"+
		"--------------9kBq2fWw0Z5Lr6uYd3HhT1sX\n"+
		`Content-Type: multipart/alternative;`+"\n"+
		` boundary="------------Yv3mB8rTq2nK0cLp5sWd7Hx4"`+"\n\n"+
		"--------------Yv3mB8rTq2nK0cLp5sWd7Hx4\n"+
		"Content-Type: text/plain; charset=UTF-8; format=flowed\n"+
		"Content-Transfer-Encoding: 8bit\n\n"+
		tbPlain+"\n"+
		"--------------Yv3mB8rTq2nK0cLp5sWd7Hx4\n"+
		"Content-Type: text/html; charset=UTF-8\n"+
		"Content-Transfer-Encoding: 8bit\n\n"+
		"<!DOCTYPE html>\n<html>\n  <head>\n    <meta http-equiv=\"content-type\" content=\"text/html; charset=UTF-8\">\n  </head>\n  <body>\n    <p>Добрый день.</p>\n  </body>\n</html>\n\n"+
		"--------------Yv3mB8rTq2nK0cLp5sWd7Hx4--\n"+
		"--------------9kBq2fWw0Z5Lr6uYd3HhT1sX\n"+
		`Content-Type: application/pdf; name="=?UTF-8?B?0YHQv9C40YHQvtC6LnBkZg==?="`+"\n"+
		`Content-Disposition: attachment; filename*=UTF-8''%D1%81%D0%BF%D0%B8%D1%81%D0%BE%D0%BA.pdf`+"\n"+
		"Content-Transfer-Encoding: base64\n\n"+
		b64("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n", "\n")+"\n"+
		"--------------9kBq2fWw0Z5Lr6uYd3HhT1sX--\n")

	// Thunderbird plain text, format=flowed: a long command line wrapped at 72.
	m["flowed-thunderbird"] = lf([]string{
		"Message-ID: <0e5f2a1b-7c3d-4b9e-8f6a-1d2c3b4a5e6f@tyumen.company.ru>",
		"Date: Mon, 10 Mar 2025 15:12:48 +0500",
		"MIME-Version: 1.0",
		"User-Agent: Mozilla Thunderbird",
		"Content-Language: ru",
		"To: userdir@relay.company.ru",
		"From: Admin <admin@tyumen.company.ru>",
		"Subject: 0001",
		"Content-Type: text/plain; charset=UTF-8; format=flowed",
		"Content-Transfer-Encoding: 8bit",
	}, flow("_cmd=insert:type=mbox:name=Александрова Екатерина Владимировна:eml=aleksandrova@tyumen.company.ru:vis=1:gor=88-02-61:mer=38-32-61:sot=+7 922 123-45-67:of=Корпус 2, кабинет 318:post=Начальник отдела материально-технического снабжения:sdiv=Отдел материально-технического снабжения\n"+
		"> _cmd=delete:eml=quoted@tyumen.company.ru\n\n-- \nAdmin\n", 72))

	// Apple Mail: format=flowed; delsp=yes, a space-less line broken anywhere.
	m["flowed-delsp"] = lf([]string{
		"From: Admin <admin@tyumen.company.ru>",
		"Content-Type: text/plain; charset=utf-8; delsp=yes; format=flowed",
		"Content-Transfer-Encoding: 8bit",
		"Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3774.500.171.1.1\\))",
		"Subject: 0001",
		"Message-Id: <A1B2C3D4-E5F6-4789-8ABC-DEF012345678@tyumen.company.ru>",
		"Date: Mon, 10 Mar 2025 15:20:11 +0500",
		"To: userdir@relay.company.ru",
		"X-Mailer: Apple Mail (2.3774.500.171.1.1)",
	}, flowDelSp("_cmd=update:type=alias:eml=snab@tyumen.company.ru:dst=aleksandrova@tyumen.company.ru,ivanov@company.ru,petrova@tyumen.company.ru,smirnov@company.ru\n", 60))

	// CRLF line ends throughout, as a Windows tool (blat) writes them.
	crlf := strings.Join([]string{
		"Received: from WS-ADMIN ([10.1.5.77]) by mx.tyumen.company.ru with SMTP;",
		"\tMon, 10 Mar 2025 15:30:00 +0500",
		"From: <admin@tyumen.company.ru>",
		"To: <userdir@relay.company.ru>",
		"Date: Mon, 10 Mar 2025 15:30:00 +0500",
		"Subject: 0001",
		"X-Mailer: WinNT's Blat ver 3.2.24 (build : Feb  5 2022 17:06:58) http://www.blat.net",
		"Message-ID: <20250310153000.00001234@WS-ADMIN>",
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=UTF-8",
		"Content-Transfer-Encoding: 8bit",
		"",
		"_cmd=insert:type=mbox:name=Никитин Олег:eml=nikitin@tyumen.company.ru:mer=38-32-77:post=Водитель",
		"_cmd=delete:type=mbox:eml=sidorov@company.ru",
		"",
	}, "\r\n")
	m["crlf"] = []byte(crlf)

	// Postfix pipe(8) with flags FDR: a From_ line, Return-Path, Delivered-To.
	m["postfix-pipe-from"] = lf(hdr(
		[]string{
			"From admin@tyumen.company.ru  Mon Mar 10 15:40:02 2025",
			"Return-Path: <admin@tyumen.company.ru>",
			"Delivered-To: userdir@relay.company.ru",
		},
		received("mx.tyumen.company.ru", "10.1.0.25", "4Z9KQ71mR2z9", "Mon, 10 Mar 2025 15:40:02 +0500 (+05)"),
		[]string{
			"Received: by mx.tyumen.company.ru (Postfix, from userid 0)",
			"\tid 7C1D22A0F3; Mon, 10 Mar 2025 15:40:01 +0500 (+05)",
			"To: userdir@relay.company.ru",
			"Subject: 0001",
			"MIME-Version: 1.0",
			"Content-Type: text/plain; charset=UTF-8",
			"Content-Transfer-Encoding: 8bit",
			"Message-Id: <20250310104001.7C1D22A0F3@mx.tyumen.company.ru>",
			"Date: Mon, 10 Mar 2025 15:40:01 +0500 (+05)",
			"From: root <root@mx.tyumen.company.ru>",
		}),
		"_cmd=update:eml=ivanov@company.ru:sot=+7 912 765-43-21\n")

	// A relay appends a disclaimer after the commands.
	m["disclaimer"] = lf([]string{
		"Date: Mon, 10 Mar 2025 15:45:00 +0500",
		"From: admin@tyumen.company.ru",
		"To: userdir@relay.company.ru",
		"Subject: 0001",
		"Message-ID: <disclaimer-1@tyumen.company.ru>",
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=UTF-8",
		"Content-Transfer-Encoding: 8bit",
	}, "_cmd=update:eml=kuznetsova@company.ru:of=216\n"+
		"Команды выше: _cmd=delete:eml=notacommand@company.ru не в начале строки.\n"+
		"> _cmd=delete:eml=quoted@company.ru\n"+
		"\n"+
		"________________________________\n"+
		"Это электронное сообщение и любые приложения к нему являются конфиденциальными.\n"+
		"This e-mail and any attachments are confidential and intended solely for the addressee.\n")

	// RFC 2047 subjects with white space around the code.
	m["subject-b-utf8"] = lf([]string{
		"Date: Mon, 10 Mar 2025 16:00:00 +0500",
		"From: admin@tyumen.company.ru",
		"To: userdir@relay.company.ru",
		"Subject: =?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte(" 0001 ")) + "?=",
		"Message-ID: <subject-b@tyumen.company.ru>",
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=UTF-8",
	}, "_cmd=delete:eml=orlov@tyumen.company.ru\n")
	m["subject-q-koi8"] = lf([]string{
		"Date: Mon, 10 Mar 2025 16:01:00 +0500",
		"From: admin@tobolsk.company.ru",
		"To: userdir@relay.company.ru",
		"Subject:  =?koi8-r?Q?_0002?=\t",
		"Message-ID: <subject-q@tobolsk.company.ru>",
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=koi8-r",
		"Content-Transfer-Encoding: 8bit",
	}, koi8r("_cmd=update:eml=yolkin@tobolsk.company.ru:of=Кабинет 5\n"))

	// The three example lines of docs/protocol.md#command-lines.
	m["spec-examples"] = lf([]string{
		"Date: Mon, 10 Mar 2025 16:05:00 +0500",
		"From: admin@tyumen.company.ru",
		"To: userdir@relay.company.ru",
		"Subject: 0001",
		"Message-ID: <spec-examples@tyumen.company.ru>",
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=utf-8",
		"Content-Transfer-Encoding: 8bit",
	}, specLines)

	// Old senders that join commands with ';'.
	m["batch-semicolon"] = lf([]string{
		"Date: Mon, 10 Mar 2025 16:10:00 +0500",
		"From: www@tyumen.company.ru",
		"Subject: 0001",
		"Message-Id: <20250310111000.1A2B3C4D@mx.tyumen.company.ru>",
	}, cp1251("_cmd=insert:eml=a.ivanova@tyumen.company.ru:name=Иванова А.;_cmd=insert:eml=b.petrov@tyumen.company.ru:name=Петров Б.; _cmd=delete:eml=c.sidorov@tyumen.company.ru\n"+
		"_cmd=update:eml=d.orlova@tyumen.company.ru:post=Кассир;Старший кассир;  _CMD=update:eml=e.volkov@tyumen.company.ru:act=0\n"))

	// Escaped colons and backslashes in values.
	m["escapes"] = lf([]string{
		"Date: Mon, 10 Mar 2025 16:15:00 +0500",
		"From: admin@tyumen.company.ru",
		"Subject: 0001",
		"Message-ID: <escapes@tyumen.company.ru>",
		"Content-Type: text/plain; charset=utf-8",
	}, `_cmd=insert:eml=lebedev@tyumen.company.ru:name=Лебедев Олег:post=Инженер\: ведущий:of=Корпус 2\\214:sdiv=C\:\\Отдел\Общий:gor= 8 (3452) 88-02-70 `+"\n")

	// Good lines mixed with each kind of bad one.
	m["bad-lines"] = lf([]string{
		"Date: Mon, 10 Mar 2025 16:20:00 +0500",
		"From: admin@tyumen.company.ru",
		"Subject: 0001",
		"Message-ID: <bad-lines@tyumen.company.ru>",
		"Content-Type: text/plain; charset=utf-8",
		"Content-Transfer-Encoding: 8bit",
	}, "_cmd=insert:eml=good1@tyumen.company.ru:name=Хороший Первый\n"+
		"_cmd=insert:type=mbox:name=Без адреса\n"+
		"_cmd=insert:eml=Иван Петров <petrov@company.ru>\n"+
		"_cmd=insert:eml=petrov@localhost\n"+
		"_cmd=insert:eml=petrov@@company.ru\n"+
		"_cmd=move:eml=x@tyumen.company.ru\n"+
		"_cmd=update:eml=y@tyumen.company.ru:act=maybe\n"+
		"_cmd=update:eml=y@tyumen.company.ru:vis=yes\n"+
		"_cmd=insert:eml=z@tyumen.company.ru:name\n"+
		"_cmd=insert:type=group:eml=z@tyumen.company.ru\n"+
		"_cmd=insert:type=alias:eml=all@tyumen.company.ru:dst=a@tyumen.company.ru,not an address\n"+
		"_cmd=sync:type=mbox\n"+
		"_cmd=insert:=x:eml=k@tyumen.company.ru\n"+
		"_cmd=update:eml=good2@tyumen.company.ru:act=0\n"+
		"_cmd=delete:eml=good3@tyumen.company.ru\n")

	// Keys this version does not know, a repeated key, dst on a mailbox.
	m["unknown-keys"] = lf([]string{
		"Date: Mon, 10 Mar 2025 16:25:00 +0500",
		"From: admin@tyumen.company.ru",
		"Subject: 0001",
		"Message-ID: <unknown-keys@tyumen.company.ru>",
		"Content-Type: text/plain; charset=utf-8",
	}, "_cmd=insert:eml=morozov@tyumen.company.ru:name=Морозов:fax=88-02-00:Photo=morozov.jpg:name=Морозов Илья:dst=x@tyumen.company.ru\n"+
		"_cmd=update:TYPE=Alias:EML=Sales@Tyumen.Company.RU:DST=Morozov@Tyumen.Company.RU, Ivanov@Company.RU,\n")

	// A full snapshot of the division's mailboxes.
	m["sync"] = lf([]string{
		"Date: Mon, 10 Mar 2025 03:00:00 +0500",
		"From: userdir-sync@tyumen.company.ru",
		"Subject: 0001",
		"Message-ID: <sync-20250310@tyumen.company.ru>",
		"Content-Type: text/plain; charset=utf-8",
		"Content-Transfer-Encoding: 8bit",
	}, "_cmd=sync:type=mbox\n"+
		"_cmd=insert:eml=ivanov@company.ru:name=Иванов Иван Иванович\n"+
		"_cmd=insert:type=mbox:eml=petrova@tyumen.company.ru:name=Петрова Мария Ивановна\n"+
		"_cmd=update:eml=ivanov@company.ru:of=214\n"+
		"_cmd=insert:type=alias:eml=hr@company.ru:dst=shevchenko@company.ru\n"+
		"_cmd=delete:eml=orlov@tyumen.company.ru\n"+
		"_cmd=sync:type=alias\n")

	// A guessed code.
	m["unknown-code"] = lf([]string{
		"Date: Mon, 10 Mar 2025 16:30:00 +0300",
		"From: guess@example.net",
		"Subject: 1234",
		"Message-ID: <guess-1234@example.net>",
	}, "_cmd=delete:eml=ivanov@company.ru\n")

	// Surgut lists senders: From: is checked when there is no envelope sender.
	m["surgut-bad-sender"] = lf([]string{
		"Date: Mon, 10 Mar 2025 16:35:00 +0500",
		"From: Someone <someone@gmail.com>",
		"Subject: 0003",
		"Message-ID: <CAFx1=abc@mail.gmail.com>",
	}, "_cmd=delete:eml=boss@surgut.company.ru\n")
	m["surgut-domain-sender"] = lf([]string{
		"Date: Mon, 10 Mar 2025 16:36:00 +0500",
		"From: IT <IT@Surgut.Company.RU>",
		"Subject: 0003",
		"Message-ID: <domain-sender@surgut.company.ru>",
		"Content-Type: text/plain; charset=utf-8",
		"Content-Transfer-Encoding: 8bit",
	}, "_cmd=insert:eml=ahmetov@surgut.company.ru:name=Ахметов Ринат\n")
	// The envelope sender (from the test's table) wins over From:.
	m["surgut-envelope-ok"] = lf([]string{
		"Date: Mon, 10 Mar 2025 16:37:00 +0500",
		"From: Admin at home <admin.home@gmail.com>",
		"Subject: 0003",
		"Message-ID: <envelope-ok@company.ru>",
	}, "_cmd=delete:eml=old@surgut.company.ru\n")
	m["surgut-envelope-bad"] = lf([]string{
		"Date: Mon, 10 Mar 2025 16:38:00 +0500",
		"From: admin@surgut.company.ru",
		"Subject: 0003",
		"Message-ID: <envelope-bad@surgut.company.ru>",
	}, "_cmd=delete:eml=boss@surgut.company.ru\n")

	// Larger than the test's small max_message_bytes.
	m["too-large"] = lf([]string{
		"Date: Mon, 10 Mar 2025 16:40:00 +0500",
		"From: admin@tyumen.company.ru",
		"Subject: 0001",
		"Message-ID: <too-large@tyumen.company.ru>",
	}, strings.Repeat("_cmd=update:eml=ivanov@company.ru:of=214\n", 40))

	// Date missing, in the far future; Message-ID missing.
	m["no-date"] = lf([]string{
		"From: admin@tyumen.company.ru",
		"Subject: 0001",
		"Message-ID: <no-date@tyumen.company.ru>",
	}, "_cmd=update:eml=ivanov@company.ru:of=215\n")
	m["future-date"] = lf([]string{
		"Date: Fri, 10 Mar 2034 16:45:00 +0500",
		"From: admin@tyumen.company.ru",
		"Subject: 0001",
		"Message-ID: <future-date@tyumen.company.ru>",
	}, "_cmd=update:eml=ivanov@company.ru:of=216\n")
	m["no-message-id"] = lf([]string{
		"Date: Mon, 10 Mar 2025 16:50:00 +0500",
		"From: admin@tyumen.company.ru",
		"Subject: 0001",
	}, "_cmd=update:eml=ivanov@company.ru:of=217\n")

	// Other Cyrillic charsets, declared.
	m["iso-8859-5"] = lf([]string{
		"Date: Mon, 10 Mar 2025 16:55:00 +0500",
		"From: admin@tobolsk.company.ru",
		"Subject: 0002",
		"Message-ID: <iso-8859-5@tobolsk.company.ru>",
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=ISO-8859-5",
		"Content-Transfer-Encoding: 8bit",
	}, iso5("_cmd=insert:eml=gromova@tobolsk.company.ru:name=Громова Жанна Эдуардовна:post=Экономист\n"))
	m["ibm866"] = lf([]string{
		"Date: Mon, 10 Mar 2025 17:00:00 +0500",
		"From: admin@tobolsk.company.ru",
		"Subject: 0002",
		"Message-ID: <ibm866@tobolsk.company.ru>",
		"MIME-Version: 1.0",
		`Content-Type: text/plain; charset="cp866"`,
		"Content-Transfer-Encoding: 8bit",
		"X-Mailer: The Bat! (v1.62r) Personal",
	}, cp866("_cmd=insert:eml=sheludko@tobolsk.company.ru:name=Шелудько Пётр Яковлевич:sdiv=Склад №3\n"))

	// Broken or wrong declarations: the division's charset or U+FFFD.
	m["broken-charset"] = lf([]string{
		"Date: Mon, 10 Mar 2025 17:05:00 +0500",
		"From: admin@tyumen.company.ru",
		"Subject: 0001",
		"Message-ID: <broken-charset@tyumen.company.ru>",
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=unknown-8bit",
		"Content-Transfer-Encoding: 8bit",
	}, cp1251("_cmd=update:eml=ivanov@company.ru:post=Инженер-программист\n"))
	m["broken-charset-koi8"] = lf([]string{
		"Date: Mon, 10 Mar 2025 17:06:00 +0500",
		"From: admin@tobolsk.company.ru",
		"Subject: 0002",
		"Message-ID: <broken-charset-koi8@tobolsk.company.ru>",
		"MIME-Version: 1.0",
		`Content-Type: text/plain; charset="x-koi8-rus"`,
		"Content-Transfer-Encoding: 8bit",
	}, koi8r("_cmd=update:eml=yolkin@tobolsk.company.ru:post=Старший юрисконсульт\n"))
	m["us-ascii-8bit"] = lf([]string{
		"Date: Mon, 10 Mar 2025 17:07:00 +0500",
		"From: admin@tyumen.company.ru",
		"Subject: 0001",
		"Message-ID: <us-ascii-8bit@tyumen.company.ru>",
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=us-ascii",
		"Content-Transfer-Encoding: 8bit",
	}, cp1251("_cmd=update:eml=ivanov@company.ru:sdiv=Отдел АСУ\n"))
	m["invalid-utf8"] = lf([]string{
		"Date: Mon, 10 Mar 2025 17:10:00 +0500",
		"From: admin@tyumen.company.ru",
		"Subject: 0001",
		"Message-ID: <invalid-utf8@tyumen.company.ru>",
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=utf-8",
		"Content-Transfer-Encoding: 8bit",
	}, "_cmd=update:eml=mojibake@company.ru:name=Кракозябров "+cp1251("Иван")+"\xff:post=Инж\xd0\n")
	m["undeclared-utf8"] = lf([]string{
		"Date: Mon, 10 Mar 2025 17:12:00 +0500",
		"From: admin@tobolsk.company.ru",
		"Subject: 0002",
		"Message-ID: <undeclared-utf8@tobolsk.company.ru>",
	}, "\ufeff_cmd=update:eml=yolkin@tobolsk.company.ru:name=Ёлкин Фёдор Ильич\n")

	// No text/plain at all, and a header that does not parse.
	m["html-only"] = lf([]string{
		"Date: Mon, 10 Mar 2025 17:15:00 +0500",
		"From: admin@tyumen.company.ru",
		"Subject: 0001",
		"Message-ID: <html-only@tyumen.company.ru>",
		"MIME-Version: 1.0",
		"Content-Type: text/html; charset=utf-8",
	}, "<p>_cmd=delete:eml=ivanov@company.ru</p>\n")
	m["unparsable"] = []byte("Date: Mon, 10 Mar 2025 17:20:00 +0500\nthis is not a header line\nSubject: 0001\n\n_cmd=delete:eml=ivanov@company.ru\n")
	return m
}
