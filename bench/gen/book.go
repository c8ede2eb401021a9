package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"unicode/utf8"
)

// person is one generated entry.
type person struct {
	division        int // index into book.divisions
	sn, given, patr string
	mail            string
	city            string // telephoneNumber, first value (gor)
	ext             string // internal extension, second value (mer); may be empty
	mobile          string // may be empty
	room            string
	title, dept     string
}

// name is the full name, family first.
func (p *person) name() string { return p.sn + " " + p.given + " " + p.patr }

// book is a generated address book.
type book struct {
	divisions []city
	people    []person
	sizes     []int // entries per division
}

// zipf picks indexes 0..n-1 with weight 1/(i+1)^s.
type zipf struct{ cum []float64 }

func newZipf(n int, s float64) zipf {
	z := zipf{cum: make([]float64, n)}
	total := 0.0
	for i := range n {
		total += 1 / math.Pow(float64(i+1), s)
		z.cum[i] = total
	}
	for i := range z.cum {
		z.cum[i] /= total
	}
	return z
}

func (z zipf) pick(r *rand.Rand) int {
	return min(sort.SearchFloat64s(z.cum, r.Float64()), len(z.cum)-1)
}

// divisionsFor returns d divisions: the built-in cities, then numbered ones.
func divisionsFor(d int) []city {
	out := make([]city, d)
	for i := range out {
		if i < len(cities) {
			out[i] = cities[i]
		} else {
			out[i] = city{fmt.Sprintf("div%d", i+1), fmt.Sprintf("Филиал %d", i+1), fmt.Sprintf("3%03d", 500+i)}
		}
	}
	return out
}

// divisionSizes splits n entries over d divisions with weights 1/sqrt(i+1),
// so the first (the head office) is the largest.
func divisionSizes(n, d int) []int {
	w := make([]float64, d)
	total := 0.0
	for i := range w {
		w[i] = 1 / math.Sqrt(float64(i+1))
		total += w[i]
	}
	sizes := make([]int, d)
	left := n
	for i := range sizes {
		sizes[i] = int(float64(n) * w[i] / total)
		left -= sizes[i]
	}
	for i := 0; left > 0; i = (i + 1) % d {
		sizes[i]++
		left--
	}
	return sizes
}

// feminine returns the female form of a surname.
func feminine(sn string) string {
	switch {
	case strings.HasSuffix(sn, "ов"), strings.HasSuffix(sn, "ев"), strings.HasSuffix(sn, "ин"):
		return sn + "а"
	case strings.HasSuffix(sn, "ий"):
		return strings.TrimSuffix(sn, "ий") + "ая"
	}
	return sn
}

// patronymic derives a patronymic from a father's name.
func patronymic(father string, female bool) string {
	stem, suffix := father, "ов"
	if strings.HasSuffix(father, "й") {
		stem, suffix = strings.TrimSuffix(father, "й"), "ев"
	}
	if female {
		return stem + suffix + "на"
	}
	return stem + suffix + "ич"
}

// latin transliterates s (lower-cased) for a mail address.
func latin(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if t, ok := translit[r]; ok {
			b.WriteString(t)
		} else if r < utf8.RuneSelf {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// initial returns the transliterated first letter of s.
func initial(s string) string {
	r, _ := utf8.DecodeRuneInString(s)
	return latin(string(r))[:1]
}

// digits returns n random decimal digits.
func digits(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}

// localNumber is a city number without the area code: 6 digits after a
// 4-digit code (88-02-93), 7 after a 3-digit one (260-81-61).
func localNumber(r *rand.Rand, area string) string {
	if len(area) == 3 {
		d := fmt.Sprint(2+r.IntN(8)) + digits(r, 6)
		return d[:3] + "-" + d[3:5] + "-" + d[5:]
	}
	d := fmt.Sprint(2+r.IntN(8)) + digits(r, 5)
	return d[:2] + "-" + d[2:4] + "-" + d[4:]
}

// mobileNumber is a mobile in one of the ways people write them.
func mobileNumber(r *rand.Rand) string {
	d := "9" + digits(r, 9)
	switch r.IntN(3) {
	case 0:
		return "+7 " + d[:3] + " " + d[3:6] + "-" + d[6:8] + "-" + d[8:]
	case 1:
		return "8-" + d[:3] + "-" + d[3:6] + "-" + d[6:8] + "-" + d[8:]
	}
	return "8" + d
}

// generate builds a book of n entries in d divisions from seed.
func generate(n, d int, seed uint64) *book {
	r := rand.New(rand.NewPCG(seed, 0x75736572646972)) // "userdir"
	b := &book{divisions: divisionsFor(d), sizes: divisionSizes(n, d)}
	zs, zm, zf := newZipf(len(surnames), 0.9), newZipf(len(maleNames), 0.8), newZipf(len(femaleNames), 0.8)
	used := map[string]int{}
	b.people = make([]person, 0, n)
	for div, size := range b.sizes {
		area := b.divisions[div].area
		roomLeft, room, number, dept := 0, 100, "", ""
		for range size {
			if roomLeft == 0 { // a new room: 1-4 people, one department, one number
				roomLeft, room = 1+r.IntN(4), room+1+r.IntN(3)
				dept = departments[r.IntN(len(departments))]
				number = localNumber(r, area)
				if r.IntN(100) < 85 {
					number = "+7 (" + area + ") " + number
				}
			}
			roomLeft--
			p := person{division: div, city: number, room: fmt.Sprint(room), dept: dept,
				title: titles[r.IntN(len(titles))]}
			female := r.IntN(2) == 0
			p.sn = surnames[zs.pick(r)]
			if female {
				p.sn, p.given = feminine(p.sn), femaleNames[zf.pick(r)]
			} else {
				p.given = maleNames[zm.pick(r)]
			}
			p.patr = patronymic(maleNames[zm.pick(r)], female)
			base := latin(p.sn) + "." + initial(p.given) + initial(p.patr)
			used[base]++
			if k := used[base]; k > 1 {
				base += fmt.Sprint(k)
			}
			p.mail = base + "@company.ru"
			if r.IntN(100) < 65 {
				p.ext = fmt.Sprint(1000 + r.IntN(9000))
			}
			if r.IntN(100) < 85 {
				p.mobile = mobileNumber(r)
			}
			b.people = append(b.people, p)
		}
	}
	return b
}
