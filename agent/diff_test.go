package agent

import (
	"slices"
	"strings"
	"testing"
)

// accounts builds Accounts from a CSV text, failing the test on a column error.
func accounts(tb testing.TB, csvText string) *Accounts {
	tb.Helper()
	tab, err := readCSV(strings.NewReader(csvText))
	if err != nil {
		tb.Fatalf("readCSV: %v", err)
	}
	a, err := NewAccounts(tab)
	if err != nil {
		tb.Fatalf("NewAccounts: %v", err)
	}
	return a
}

func TestDiff(t *testing.T) {
	old := map[string]Record{
		"ivanov@company.ru":  {"name": "Иванов Иван", "post": "Инженер", "act": "1"},
		"petrov@company.ru":  {"name": "Петров Пётр", "post": "", "act": "1"},
		"sidorov@company.ru": {"name": "Сидоров", "post": "", "act": "1"},
		"hr@company.ru":      {"type": "alias", "name": "Кадры"},
	}
	for _, tc := range []struct {
		name string
		old  map[string]Record
		csv  string
		want []string
	}{
		{"nothing changed", old, "eml,name,post,act\nivanov@company.ru,Иванов Иван,Инженер,1\npetrov@company.ru,Петров Пётр,,1\nsidorov@company.ru,Сидоров,,true\n", []string{
			"_cmd=delete:type=alias:eml=hr@company.ru",
		}},
		{"one field changed, Cyrillic", old, "eml,name,post,act\nIvanov@Company.ru, Иванов Иван ,Ведущий инженер,1\npetrov@company.ru,Петров Пётр,,1\nsidorov@company.ru,Сидоров,,1\n", []string{
			"_cmd=update:eml=ivanov@company.ru:post=Ведущий инженер",
			"_cmd=delete:type=alias:eml=hr@company.ru",
		}},
		{"colon and backslash escaped", map[string]Record{}, "eml,name,sdiv\na@company.ru,Отдел: ИТ,C:\\dir\n", []string{
			`_cmd=insert:eml=a@company.ru:name=Отдел\: ИТ:sdiv=C\:\\dir`,
		}},
		{"cleared field and deactivated", old, "eml,name,post,act\nivanov@company.ru,Иванов Иван,,0\npetrov@company.ru,Петров Пётр,,1\nsidorov@company.ru,Сидоров,,1\nhr@company.ru,Кадры,,1\n", []string{
			"_cmd=insert:eml=hr@company.ru:name=Кадры:post=:act=1", // alias → mbox: a whole new record
			"_cmd=update:eml=ivanov@company.ru:post=:act=0",
		}},
		{"column not in the source is left alone", old, "eml,name\nivanov@company.ru,Иванов Иван\npetrov@company.ru,Петров П.\nsidorov@company.ru,Сидоров\n", []string{
			"_cmd=update:eml=petrov@company.ru:name=Петров П.",
			"_cmd=delete:type=alias:eml=hr@company.ru",
		}},
		{"alias update names its type", old, "type,eml,name\nalias,hr@company.ru,Отдел кадров\n" + "mbox,ivanov@company.ru,Иванов Иван\nmbox,petrov@company.ru,Петров Пётр\nmbox,sidorov@company.ru,Сидоров\n", []string{
			"_cmd=update:type=alias:eml=hr@company.ru:name=Отдел кадров",
		}},
		{"an invalid row is not deleted", old, "eml,name,post,act\nivanov@company.ru,Иванов Иван,Инженер,maybe\npetrov@company.ru,Петров Пётр,,1\nsidorov@company.ru,Сидоров,,1\n", []string{
			"_cmd=delete:type=alias:eml=hr@company.ru",
		}},
		{"new, changed and vanished", old, "eml,name,post\nivanov@company.ru,Иванов Иван,Инженер\npetrov@company.ru,Петров Пётр,Бухгалтер\nnew@company.ru,Новиков Николай,\n", []string{
			"_cmd=insert:eml=new@company.ru:name=Новиков Николай:post=",
			"_cmd=update:eml=petrov@company.ru:post=Бухгалтер",
			"_cmd=delete:type=alias:eml=hr@company.ru",
			"_cmd=delete:type=mbox:eml=sidorov@company.ru",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			changes, err := Diff(tc.old, accounts(t, tc.csv))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range changes {
				got = append(got, c.Line)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Diff =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestNewAccountsInvalidRows(t *testing.T) {
	a := accounts(t, "eml,name,act\n"+
		"ok@company.ru,Хороший,1\n"+ // row 1
		"not-an-address,Плохой,1\n"+ // row 2
		"b@company.ru,Б,maybe\n"+ // row 3
		"c@company.ru,Табуляция\tвнутри,1\n"+ // row 4
		"d@company.ru,Дважды,1\n"+ // row 5
		"D@company.ru,Дважды снова,1\n"+ // row 6
		",Без адреса,1\n"+ // row 7
		"e@company.ru,Мало\n") // row 8
	want := map[int]string{2: "", 3: "act", 4: "control character", 6: "row 5", 7: "no address", 8: "3 columns"}
	if len(a.Invalid) != len(want) {
		t.Fatalf("invalid rows: %v, want rows %v", a.Invalid, want)
	}
	for _, inv := range a.Invalid {
		frag, ok := want[inv.Row]
		if !ok || !strings.Contains(inv.String(), frag) {
			t.Errorf("invalid %v: want row in %v with %q", inv, want, frag)
		}
	}
	if _, ok := a.Records["ok@company.ru"]; !ok || len(a.Records) != 1 {
		t.Errorf("valid records %v, want only ok@company.ru (a duplicate address trusts neither row)", a.Records)
	}
	if a.Rows != 8 {
		t.Errorf("Rows = %d, want 8", a.Rows)
	}
}

func TestNewAccountsColumns(t *testing.T) {
	for _, tc := range []struct{ header, want string }{
		{"eml,name,phone", `column "phone" is not a command key`},
		{"eml,name,NAME", `column "name" given twice`},
		{"name,post", "no eml column"},
	} {
		_, err := NewAccounts(&Table{Columns: lowerAll(strings.Split(tc.header, ","))})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewAccounts(%q) = %v, want %q", tc.header, err, tc.want)
		}
	}
}

func TestShrinkAllowed(t *testing.T) {
	for _, tc := range []struct {
		s      Shrink
		before int
		want   int
	}{
		{Shrink{Percent: true, N: 10}, 8, 5},
		{Shrink{Percent: true, N: 10}, 100, 10},
		{Shrink{Percent: true, N: 10}, 1000, 100},
		{Shrink{N: 3}, 1000, 3},
	} {
		if got := tc.s.Allowed(tc.before); got != tc.want {
			t.Errorf("%v.Allowed(%d) = %d, want %d", tc.s, tc.before, got, tc.want)
		}
	}
}
