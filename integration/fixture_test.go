package integration

import (
	"fmt"
	"testing"
	"time"
)

// The directory layout and identities of testdata/userdir.toml.
const (
	suffix       = "dc=company,dc=ru"
	postfixDN    = "cn=postfix,dc=company,dc=ru" // role mta
	postfixPW    = "postfixpass"
	readerDN     = "cn=reader,dc=company,dc=ru" // role reader
	readerPW     = "readerpass"
	codeTyumen   = "0001"
	codeTobolsk  = "0002"
	codeSurgut   = "0003"
	surgutSender = "admin@company.ru" // one of surgut's senders
	tyumenOU     = "ou=Тюмень," + suffix
	surgutOU     = "ou=Сургут," + suffix
)

// Addresses of the fixture with a role-dependent fate (docs/roles.md).
const (
	visibleAddr  = "ivanov@company.ru"     // active, visible: everyone finds it
	hiddenAddr   = "ivantsov@company.ru"   // vis=0: only mta
	aliasAddr    = "hr@company.ru"         // type=alias: mta
	inactiveAddr = "ivanchenko@company.ru" // act=0 by a later update: nobody
	missingAddr  = "nobody@company.ru"     // never existed
)

// staffCount is the number of Tobolsk mailboxes: more than size_limit (50)
// and several pages of 10.
const staffCount = 120

// surgutByCN is the cn of every Surgut entry in the order a sort on cn
// must give: case-insensitive, ё sorted as е (docs/directory.md#matching), so Ёлкин comes
// between Евдокимов and Ершов, not after Яковлев as in code point order.
var surgutByCN = []string{
	"Абрамов Антон", "борисова Анна", "Дятлов Игорь", "Евдокимов Олег",
	"Ёлкин Егор", "Ершов Юрий", "Жуков Борис", "Яковлев Яков",
}

// fixtureMail is a message of the fixture and its envelope sender.
type fixtureMail struct {
	sender string
	msg    commandMessage
}

// fixture returns the messages that build the test directory, oldest
// first: Tyumen's named people, hidden, alias and inactive entries,
// Tobolsk's 120 mailboxes, and Surgut's people in scrambled order (sent by
// one of its listed senders).
func fixture() []fixtureMail {
	at := func(min int) time.Time { return time.Date(2025, 3, 10, 9, min, 0, 0, time.UTC) }
	msg := func(code string, min int, lines ...string) commandMessage {
		return commandMessage{code: code, from: "admin@branch.company.ru", to: "dir@relay.company.ru",
			date: at(min), messageID: fmt.Sprintf("fixture-%s-%d@company.ru", code, min), lines: lines}
	}
	tyumen := msg(codeTyumen, 1,
		"_cmd=insert:type=mbox:name=Иванов Иван Иванович:eml="+visibleAddr+":vis=1:gor=+7 (3452) 88-02-93:mer=38-32-93:of=214:post=Инженер:sdiv=Отдел ИТ",
		"_cmd=insert:type=mbox:name=Иванова Мария Петровна:eml=ivanova@tyumen.company.ru:vis=1:mer=38-32-94",
		"_cmd=insert:type=mbox:name=Иванцов Олег:eml="+hiddenAddr+":vis=0:post=Директор",
		"_cmd=insert:type=mbox:name=Иванченко Пётр:eml="+inactiveAddr+":vis=1",
		"_cmd=insert:type=alias:name=Отдел кадров:eml="+aliasAddr+":dst=ivanova@tyumen.company.ru",
	)
	leaver := msg(codeTyumen, 2, "_cmd=update:type=mbox:eml="+inactiveAddr+":act=0")
	var staff []string
	for i := 1; i <= staffCount; i++ {
		staff = append(staff, fmt.Sprintf("_cmd=insert:type=mbox:name=Сотрудник Тобольска %03d:eml=staff%03d@tobolsk.company.ru:vis=1", i, i))
	}
	scrambled := []int{7, 2, 4, 0, 6, 1, 5, 3}
	emails := []string{"abramov", "borisova", "dyatlov", "evdokimov", "elkin", "ershov", "zhukov", "yakovlev"}
	var surgut []string
	for _, i := range scrambled {
		surgut = append(surgut, fmt.Sprintf("_cmd=insert:type=mbox:name=%s:eml=%s@surgut.company.ru", surgutByCN[i], emails[i]))
	}
	return []fixtureMail{
		{"admin@tyumen.company.ru", tyumen},
		{"admin@tyumen.company.ru", leaver},
		{"admin@tobolsk.company.ru", msg(codeTobolsk, 3, staff...)},
		{surgutSender, msg(codeSurgut, 4, surgut...)},
	}
}

// mtaEntries is how many entries of the fixture the mta role sees under
// the suffix with (objectClass=inetOrgPerson): every active one.
const mtaEntries = 4 + staffCount + 8 // Tyumen without the leaver, Tobolsk, Surgut

// loadFixture ingests the fixture with `userdir ingest`.
func loadFixture(tb testing.TB, bin, cfg string) {
	tb.Helper()
	for _, m := range fixture() {
		ingest(tb, bin, cfg, m.sender, m.msg.bytes(tb))
	}
}
