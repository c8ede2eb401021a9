package phonebook

import "encoding/xml"

// Widths to which names are cut, in characters: what each vendor documents
// for its fields, or what its screens show on one line where it documents
// nothing shorter.
const (
	widthYealink     = 32 // Unit Name / DirectoryEntry Name
	widthCisco       = 32 // CiscoIPPhoneDirectory: Name, Title and Prompt hold 32 characters
	widthGrandstream = 32 // FirstName, LastName each
	widthSnom        = 32 // name
	widthFanvil      = 32 // Name
	widthGigaset     = 16 // ln, fn: the handset's 16-character name fields
)

// --- Yealink: remote phone book (YealinkIPPhoneBook) and search results
// (YealinkIPPhoneDirectory), from Yealink's "Remote Phone Book" documentation.

type yealinkIPPhoneBook struct {
	XMLName xml.Name      `xml:"YealinkIPPhoneBook"`
	Title   string        `xml:"Title"`
	Menus   []yealinkMenu `xml:"Menu"`
}

type yealinkMenu struct {
	Name  string        `xml:"Name,attr"`
	Units []yealinkUnit `xml:"Unit"`
}

type yealinkUnit struct {
	Name   string `xml:"Name,attr"`
	Phone1 string `xml:"Phone1,attr"`
	Phone2 string `xml:"Phone2,attr"`
	Phone3 string `xml:"Phone3,attr"`
}

type yealinkIPPhoneDirectory struct {
	XMLName xml.Name         `xml:"YealinkIPPhoneDirectory"`
	Entries []directoryEntry `xml:"DirectoryEntry"`
}

// directoryEntry is the DirectoryEntry of Yealink's and Cisco's directories.
type directoryEntry struct {
	Name      string   `xml:"Name"`
	Telephone []string `xml:"Telephone"`
}

// yealinkBook groups people into one Menu per division (people are sorted
// by division already).
func yealinkBook(title string, people []Person) any {
	b := yealinkIPPhoneBook{Title: cut(title, widthYealink)}
	for _, p := range people {
		if len(b.Menus) == 0 || b.Menus[len(b.Menus)-1].Name != cut(p.Division, widthYealink) {
			b.Menus = append(b.Menus, yealinkMenu{Name: cut(p.Division, widthYealink)})
		}
		m := &b.Menus[len(b.Menus)-1]
		u := yealinkUnit{Name: cut(p.Name, widthYealink)}
		for i, n := range p.Phones {
			*[]*string{&u.Phone1, &u.Phone2, &u.Phone3}[i] = n
		}
		m.Units = append(m.Units, u)
	}
	return b
}

// yealinkSearch is the flat answer to #SEARCH.
func yealinkSearch(_ string, people []Person) any {
	d := yealinkIPPhoneDirectory{Entries: []directoryEntry{}}
	for _, p := range people {
		if len(p.Phones) > 0 {
			d.Entries = append(d.Entries, directoryEntry{Name: cut(p.Name, widthYealink), Telephone: p.Phones})
		}
	}
	return d
}

// --- Cisco IP Phone Services: CiscoIPPhoneInput and CiscoIPPhoneDirectory
// (Cisco Unified IP Phone Services Application Development Notes).

type ciscoIPPhoneInput struct {
	XMLName   xml.Name       `xml:"CiscoIPPhoneInput"`
	Title     string         `xml:"Title"`
	Prompt    string         `xml:"Prompt"`
	URL       string         `xml:"URL"`
	InputItem ciscoInputItem `xml:"InputItem"`
}

type ciscoInputItem struct {
	DisplayName      string `xml:"DisplayName"`
	QueryStringParam string `xml:"QueryStringParam"`
	DefaultValue     string `xml:"DefaultValue"`
	InputFlags       string `xml:"InputFlags"`
}

type ciscoIPPhoneDirectory struct {
	XMLName  xml.Name       `xml:"CiscoIPPhoneDirectory"`
	Title    string         `xml:"Title"`
	Prompt   string         `xml:"Prompt"`
	Entries  []ciscoEntry   `xml:"DirectoryEntry"`
	SoftKeys []ciscoSoftKey `xml:"SoftKeyItem"`
}

type ciscoEntry struct {
	Name      string `xml:"Name"`
	Telephone string `xml:"Telephone"`
}

type ciscoSoftKey struct {
	Name     string `xml:"Name"`
	URL      string `xml:"URL"`
	Position int    `xml:"Position"`
}

// ciscoPageSize is the most DirectoryEntry items a Cisco phone takes in one object.
const ciscoPageSize = 32

// ciscoEntries lists one entry per number: a Cisco DirectoryEntry has one Telephone.
func ciscoEntries(people []Person) []ciscoEntry {
	var out []ciscoEntry
	for _, p := range people {
		for _, n := range p.Phones {
			out = append(out, ciscoEntry{Name: cut(p.Name, widthCisco), Telephone: n})
		}
	}
	return out
}

// --- Grandstream: XML downloadable phone book (AddressBook), from
// Grandstream's "XML Based Downloadable Phonebook Guide".

type grandstreamAddressBook struct {
	XMLName  xml.Name             `xml:"AddressBook"`
	Version  int                  `xml:"version"`
	Groups   []grandstreamGroup   `xml:"pbgroup"`
	Contacts []grandstreamContact `xml:"Contact"`
}

type grandstreamGroup struct {
	ID   int    `xml:"id"`
	Name string `xml:"name"`
}

type grandstreamContact struct {
	LastName  string             `xml:"LastName"`
	FirstName string             `xml:"FirstName"`
	Phones    []grandstreamPhone `xml:"Phone"`
	Mail      *grandstreamMail   `xml:"Mail,omitempty"`
	Group     int                `xml:"Group"`
}

type grandstreamPhone struct {
	Type         string `xml:"type,attr"`
	PhoneNumber  string `xml:"phonenumber"`
	AccountIndex int    `xml:"accountindex"`
}

type grandstreamMail struct {
	Type string `xml:"type,attr"`
	Addr string `xml:",chardata"`
}

func grandstreamBook(_ string, people []Person) any {
	b := grandstreamAddressBook{Version: 1}
	for _, p := range people {
		if len(b.Groups) == 0 || b.Groups[len(b.Groups)-1].Name != p.Division {
			b.Groups = append(b.Groups, grandstreamGroup{ID: len(b.Groups) + 1, Name: p.Division})
		}
		last, first := splitName(p)
		c := grandstreamContact{LastName: cut(last, widthGrandstream), FirstName: cut(first, widthGrandstream), Group: len(b.Groups)}
		for _, ph := range typedPhones(p) {
			t := map[string]string{"ext": "Work", "work": "Work", "mobile": "Mobile"}[ph.kind]
			c.Phones = append(c.Phones, grandstreamPhone{Type: t, PhoneNumber: ph.number, AccountIndex: 1})
		}
		if p.Mail != "" {
			c.Mail = &grandstreamMail{Type: "Work", Addr: p.Mail}
		}
		b.Contacts = append(b.Contacts, c)
	}
	return b
}

// --- Snom: the tbook settings file (Snom "<tbook>, <phone-book> tag").

type snomTbook struct {
	XMLName  xml.Name   `xml:"tbook"`
	Complete string     `xml:"complete,attr"`
	E        string     `xml:"e,attr"`
	Items    []snomItem `xml:"item"`
}

type snomItem struct {
	Context      string `xml:"context,attr"`
	Type         string `xml:"type,attr"`
	Index        int    `xml:"index,attr"`
	Name         string `xml:"name"`
	Number       string `xml:"number"`
	NumberType   string `xml:"number_type"`
	FirstName    string `xml:"first_name,omitempty"`
	LastName     string `xml:"last_name,omitempty"`
	Title        string `xml:"title,omitempty"`
	Organization string `xml:"organization,omitempty"`
	Email        string `xml:"email,omitempty"`
	Group        string `xml:"group,omitempty"`
}

// snomBook lists one item per number, as the tbook's item has one number.
func snomBook(_ string, people []Person) any {
	b := snomTbook{Complete: "true", E: "2", Items: []snomItem{}}
	for _, p := range people {
		last, first := splitName(p)
		for _, ph := range typedPhones(p) {
			t := map[string]string{"ext": "sip", "work": "business", "mobile": "mobile"}[ph.kind]
			b.Items = append(b.Items, snomItem{
				Context: "active", Type: "colleagues", Index: len(b.Items),
				Name: cut(p.Name, widthSnom), Number: ph.number, NumberType: t,
				FirstName: cut(first, widthSnom), LastName: cut(last, widthSnom),
				Title: p.Title, Organization: p.Division, Email: p.Mail, Group: p.Department,
			})
		}
	}
	return b
}

// --- Fanvil: remote phone book (PhoneBook of DirectoryEntry).

type fanvilPhoneBook struct {
	XMLName xml.Name      `xml:"PhoneBook"`
	Entries []fanvilEntry `xml:"DirectoryEntry"`
}

type fanvilEntry struct {
	Name      string `xml:"Name"`
	Telephone string `xml:"Telephone"`
	Mobile    string `xml:"Mobile"`
	Other     string `xml:"Other"`
}

func fanvilBook(_ string, people []Person) any {
	b := fanvilPhoneBook{Entries: []fanvilEntry{}}
	for _, p := range people {
		e := fanvilEntry{Name: cut(p.Name, widthFanvil), Mobile: p.Mobile}
		switch {
		case p.Extension != "":
			e.Telephone = p.Extension
			if p.Work != p.Extension {
				e.Other = p.Work
			}
		default:
			e.Telephone = p.Work
		}
		b.Entries = append(b.Entries, e)
	}
	return b
}

// --- Gigaset: the phone book search protocol (Gigaset Phonebook Search
// Protocol Specification: get_list answered with list of entry).

type gigasetList struct {
	XMLName  xml.Name       `xml:"list"`
	Response string         `xml:"response,attr"`
	Type     string         `xml:"type,attr"`
	Total    int            `xml:"total,attr"`
	First    int            `xml:"first,attr"`
	Last     int            `xml:"last,attr"`
	Entries  []gigasetEntry `xml:"entry"`
}

type gigasetEntry struct {
	LastName  string `xml:"ln"`
	FirstName string `xml:"fn,omitempty"`
	Home      string `xml:"hm,omitempty"` // the office number: hm is the number field phones dial and look up
	Mobile    string `xml:"mb,omitempty"`
}

// gigasetPage returns entries first..first+count-1 (1-based) of people.
func gigasetPage(people []Person, first, count int) gigasetList {
	l := gigasetList{Response: "get_list", Type: "pb", Total: len(people)}
	if len(people) == 0 {
		return l
	}
	first = min(max(first, 1), len(people))
	last := min(first+count-1, len(people))
	l.First, l.Last = first, last
	for _, p := range people[first-1 : last] {
		ln, fn := splitName(p)
		hm := p.Extension
		if hm == "" {
			hm = p.Work
		}
		l.Entries = append(l.Entries, gigasetEntry{LastName: cut(ln, widthGigaset), FirstName: cut(fn, widthGigaset), Home: hm, Mobile: p.Mobile})
	}
	return l
}

// typedPhone is a number with what it is: "ext", "work" or "mobile".
type typedPhone struct{ kind, number string }

func typedPhones(p Person) []typedPhone {
	var out []typedPhone
	if p.Extension != "" {
		out = append(out, typedPhone{"ext", p.Extension})
	}
	if p.Work != "" && p.Work != p.Extension {
		out = append(out, typedPhone{"work", p.Work})
	}
	if p.Mobile != "" {
		out = append(out, typedPhone{"mobile", p.Mobile})
	}
	return out
}

// splitName returns the family and given names (sn, givenName), or the
// whole name as the family name when the directory has no split.
func splitName(p Person) (last, first string) {
	if p.Surname == "" {
		return p.Name, ""
	}
	return p.Surname, p.GivenName
}
