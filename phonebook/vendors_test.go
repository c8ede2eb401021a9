package phonebook

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"userdir/internal/fixture"
)

// The test types below are written from the vendors' documentation, not
// from this package's types, so a renamed element fails the test.

func TestYealinkBook(t *testing.T) {
	h, _, _ := newTest(t, book())
	var b struct {
		XMLName xml.Name `xml:"YealinkIPPhoneBook"`
		Title   string   `xml:"Title"`
		Menu    []struct {
			Name string `xml:"Name,attr"`
			Unit []struct {
				Name   string `xml:"Name,attr"`
				Phone1 string `xml:"Phone1,attr"`
				Phone2 string `xml:"Phone2,attr"`
				Phone3 string `xml:"Phone3,attr"`
			} `xml:"Unit"`
		} `xml:"Menu"`
	}
	parseXML(t, get(t, h, "/phonebook/yealink.xml", phonePeer), &b)
	var menus []string
	units := map[string][3]string{}
	for _, m := range b.Menu {
		menus = append(menus, m.Name)
		for _, u := range m.Unit {
			units[u.Name] = [3]string{u.Phone1, u.Phone2, u.Phone3}
		}
	}
	if want := []string{"Тобольск", "Тюмень"}; !slices.Equal(menus, want) {
		t.Errorf("menus = %q, want %q", menus, want)
	}
	if got, want := units["Иванов Иван Иванович"], [3]string{"8293", "+7 (3452) 88-02-93", "+7 912 345-67-89"}; got != want {
		t.Errorf("Иванов = %q, want %q", got, want)
	}
	if got := units[tricky]; got[0] != "+7 (3456) 22-00-11" {
		t.Errorf("tricky name not round-tripped: units = %q", units)
	}
	for _, hidden := range []string{"Скрытов Семён", "Неактивный Николай", "Отдел продаж"} {
		if _, ok := units[hidden]; ok {
			t.Errorf("%s listed in the phone book", hidden)
		}
	}
	if _, ok := units["Smith John"]; ok || len(units) != 6 {
		t.Errorf("%d units, want 6 (not Smith, who has no number): %q", len(units), units)
	}
}

func TestYealinkSearch(t *testing.T) {
	h, _, _ := newTest(t, book())
	type dir struct {
		XMLName        xml.Name `xml:"YealinkIPPhoneDirectory"`
		DirectoryEntry []struct {
			Name      string   `xml:"Name"`
			Telephone []string `xml:"Telephone"`
		} `xml:"DirectoryEntry"`
	}
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"Иван", []string{"Иванов Иван Иванович", "Иванова Мария Петровна"}},
		{"мария иван", []string{"Иванова Мария Петровна"}},
		{"елкин", []string{"Ёлкин Алексей"}},
		{"O'Brien", []string{tricky}},
		{"88-02-93", []string{"Иванов Иван Иванович"}},
		{"И", nil}, // one letter is not selective: nothing, as over LDAP
		{"Скрытов", nil},
	} {
		var d dir
		parseXML(t, get(t, h, "/phonebook/yealink/search?q="+url.QueryEscape(tc.q), anonPeer), &d)
		var got []string
		for _, e := range d.DirectoryEntry {
			got = append(got, e.Name)
			if len(e.Telephone) == 0 {
				t.Errorf("q=%q: %s has no Telephone", tc.q, e.Name)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("q=%q: %q, want %q", tc.q, got, tc.want)
		}
	}
}

type ciscoDirectory struct {
	XMLName        xml.Name `xml:"CiscoIPPhoneDirectory"`
	Title          string   `xml:"Title"`
	Prompt         string   `xml:"Prompt"`
	DirectoryEntry []struct {
		Name      string `xml:"Name"`
		Telephone string `xml:"Telephone"`
	} `xml:"DirectoryEntry"`
	SoftKeyItem []struct {
		Name     string `xml:"Name"`
		URL      string `xml:"URL"`
		Position int    `xml:"Position"`
	} `xml:"SoftKeyItem"`
}

func (d ciscoDirectory) next() string {
	for _, k := range d.SoftKeyItem {
		if k.Name == "Next" {
			return k.URL
		}
	}
	return ""
}

func TestCiscoInputThenPages(t *testing.T) {
	recs := append(book(), fixture.Many("tyumen", 100)...)
	h, _, _ := newTest(t, recs)
	var in struct {
		XMLName   xml.Name `xml:"CiscoIPPhoneInput"`
		Title     string   `xml:"Title"`
		Prompt    string   `xml:"Prompt"`
		URL       string   `xml:"URL"`
		InputItem struct {
			DisplayName      string `xml:"DisplayName"`
			QueryStringParam string `xml:"QueryStringParam"`
			InputFlags       string `xml:"InputFlags"`
		} `xml:"InputItem"`
	}
	parseXML(t, get(t, h, "/phonebook/cisco", phonePeer), &in)
	if in.URL != "http://dir.company.ru/phonebook/cisco" || in.InputItem.QueryStringParam != "q" {
		t.Fatalf("input = %+v", in)
	}
	for _, tc := range []struct {
		peer  string
		pages []int // entries per page
	}{
		{phonePeer, []int{32, 32, 32, 4}}, // reader: all 100
		{anonPeer, []int{32, 18}},         // book: size_limit 50
	} {
		path := in.URL + "?" + url.Values{in.InputItem.QueryStringParam: {"Пользователь"}}.Encode()
		var got []int
		seen := map[string]bool{}
		for path != "" && len(got) < 10 {
			var d ciscoDirectory
			parseXML(t, get(t, h, strings.TrimPrefix(path, "http://dir.company.ru"), tc.peer), &d)
			got = append(got, len(d.DirectoryEntry))
			for _, e := range d.DirectoryEntry {
				if seen[e.Telephone] {
					t.Errorf("%s listed twice", e.Telephone)
				}
				seen[e.Telephone] = true
				if utf8.RuneCountInString(e.Name) > 32 {
					t.Errorf("name %q longer than 32", e.Name)
				}
			}
			if d.SoftKeyItem[0].URL != "SoftKey:Dial" {
				t.Errorf("first soft key %+v", d.SoftKeyItem[0])
			}
			path = d.next()
		}
		if !slices.Equal(got, tc.pages) {
			t.Errorf("peer %s: pages %v, want %v", tc.peer, got, tc.pages)
		}
	}
	if w := get(t, h, "/phonebook/cisco?q=Пользователь&page=9", phonePeer); w.Code != http.StatusBadRequest {
		t.Errorf("page past the end: %d", w.Code)
	}
}

func TestGrandstreamBook(t *testing.T) {
	h, _, _ := newTest(t, book())
	var b struct {
		XMLName xml.Name `xml:"AddressBook"`
		Version int      `xml:"version"`
		Pbgroup []struct {
			ID   int    `xml:"id"`
			Name string `xml:"name"`
		} `xml:"pbgroup"`
		Contact []struct {
			LastName  string `xml:"LastName"`
			FirstName string `xml:"FirstName"`
			Phone     []struct {
				Type         string `xml:"type,attr"`
				Phonenumber  string `xml:"phonenumber"`
				Accountindex int    `xml:"accountindex"`
			} `xml:"Phone"`
			Group int `xml:"Group"`
		} `xml:"Contact"`
	}
	parseXML(t, do(t, h, request{path: "/phonebook/grandstream/phonebook.xml", user: readerDN, pass: readerPass}), &b)
	if len(b.Pbgroup) != 2 || b.Pbgroup[1].Name != "Тюмень" {
		t.Errorf("groups %+v", b.Pbgroup)
	}
	found := false
	for _, c := range b.Contact {
		if c.LastName != "Иванов" {
			continue
		}
		found = true
		var types []string
		for _, p := range c.Phone {
			types = append(types, p.Type+"="+p.Phonenumber)
		}
		want := []string{"Work=8293", "Work=+7 (3452) 88-02-93", "Mobile=+7 912 345-67-89"}
		if c.FirstName != "Иван" || !slices.Equal(types, want) || c.Group != 2 {
			t.Errorf("Иванов: %s %q group %d, want Иван %q group 2", c.FirstName, types, c.Group, want)
		}
	}
	if !found || len(b.Contact) != 6 {
		t.Errorf("%d contacts, Иванов found %v", len(b.Contact), found)
	}
}

func TestSnomTbook(t *testing.T) {
	h, _, _ := newTest(t, book())
	var b struct {
		XMLName  xml.Name `xml:"tbook"`
		Complete string   `xml:"complete,attr"`
		Item     []struct {
			Context    string `xml:"context,attr"`
			Index      int    `xml:"index,attr"`
			Name       string `xml:"name"`
			Number     string `xml:"number"`
			NumberType string `xml:"number_type"`
		} `xml:"item"`
	}
	parseXML(t, get(t, h, "/phonebook/snom.xml", phonePeer), &b)
	if b.Complete != "true" {
		t.Error("complete is not true: the phone would keep deleted entries")
	}
	idx := map[int]bool{}
	var tricks []string
	for _, it := range b.Item {
		if idx[it.Index] {
			t.Errorf("index %d twice", it.Index)
		}
		idx[it.Index] = true
		if it.Name == tricky {
			tricks = append(tricks, it.NumberType+"="+it.Number)
		}
	}
	if want := []string{"business=+7 (3456) 22-00-11", "mobile=+7 900 000-00-01"}; !slices.Equal(tricks, want) {
		t.Errorf("tricky items %q, want %q", tricks, want)
	}
}

func TestFanvilBook(t *testing.T) {
	h, _, _ := newTest(t, book())
	var b struct {
		XMLName        xml.Name `xml:"PhoneBook"`
		DirectoryEntry []struct {
			Name      string `xml:"Name"`
			Telephone string `xml:"Telephone"`
			Mobile    string `xml:"Mobile"`
			Other     string `xml:"Other"`
		} `xml:"DirectoryEntry"`
	}
	parseXML(t, get(t, h, "/phonebook/fanvil.xml", phonePeer), &b)
	for _, e := range b.DirectoryEntry {
		if e.Name == "Иванов Иван Иванович" {
			if e.Telephone != "8293" || e.Other != "+7 (3452) 88-02-93" || e.Mobile != "+7 912 345-67-89" {
				t.Errorf("Иванов: %+v", e)
			}
			return
		}
	}
	t.Errorf("Иванов missing: %+v", b.DirectoryEntry)
}

type docGigasetList struct {
	XMLName  xml.Name `xml:"list"`
	Response string   `xml:"response,attr"`
	Type     string   `xml:"type,attr"`
	Total    int      `xml:"total,attr"`
	First    int      `xml:"first,attr"`
	Last     int      `xml:"last,attr"`
	Entry    []struct {
		Ln string `xml:"ln"`
		Fn string `xml:"fn"`
		Hm string `xml:"hm"`
		Mb string `xml:"mb"`
	} `xml:"entry"`
}

func TestGigaset(t *testing.T) {
	recs := append(book(), fixture.Many("tyumen", 30)...)
	h, _, _ := newTest(t, recs)
	for _, tc := range []struct {
		query              string
		total, first, last int
		names              []string
	}{
		{"ln=Иван", 2, 1, 2, []string{"Иванов", "Иванова"}},
		{"ln=Ив*&fn=Мар*", 1, 1, 1, []string{"Иванова"}},
		{"ln=ivanova", 1, 1, 1, []string{"Иванова"}},    // Latin letters find the mail address
		{"hm=83452880293", 1, 1, 1, []string{"Иванов"}}, // reverse lookup: caller ID in another format
		{"hm=%2B73452880293", 1, 1, 1, []string{"Иванов"}},
		{"hm=8293", 1, 1, 1, []string{"Иванов"}},
		{"hm=0000000", 0, 0, 0, nil},
		{"ln=Пользователь&first=11&count=5", 30, 11, 15, []string{"Пользователь0010", "Пользователь0011", "Пользователь0012", "Пользователь0013", "Пользователь0014"}},
		{"ln=Пользователь&first=29&count=5", 30, 29, 30, []string{"Пользователь0028", "Пользователь0029"}},
	} {
		var l docGigasetList
		parseXML(t, get(t, h, "/phonebook/gigaset?command=get_list&type=pb&"+tc.query, anonPeer), &l)
		var names []string
		for _, e := range l.Entry {
			names = append(names, e.Ln)
		}
		if l.Response != "get_list" || l.Type != "pb" || l.Total != tc.total || l.First != tc.first || l.Last != tc.last || !slices.Equal(names, tc.names) {
			t.Errorf("%s: total=%d first=%d last=%d %q, want %d %d %d %q", tc.query, l.Total, l.First, l.Last, names, tc.total, tc.first, tc.last, tc.names)
		}
	}
	for _, bad := range []string{"command=get_list&type=pb", "command=x&type=pb&ln=Ив", "command=get_list&type=pb&hm=abc", "command=get_list&type=pb&ln=Ив&count=-1"} {
		if w := get(t, h, "/phonebook/gigaset?"+bad, anonPeer); w.Code != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", bad, w.Code)
		}
	}
}

func TestSortRussian(t *testing.T) {
	ps := []Person{{Name: "Жуков"}, {Name: "Ёлкин"}, {Name: "Абрамов"}, {Name: "Евдокимов"}, {Name: "Smith"}, {Name: "Division", Division: "Б"}, {Name: "Яковлев", Division: "А"}}
	sortPeople(ps)
	var got []string
	for _, p := range ps {
		got = append(got, p.Name)
	}
	if want := []string{"Smith", "Абрамов", "Евдокимов", "Ёлкин", "Жуков", "Яковлев", "Division"}; !slices.Equal(got, want) {
		t.Errorf("order %q, want %q", got, want)
	}
}
