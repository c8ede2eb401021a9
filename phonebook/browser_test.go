package phonebook

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// unavailable skips a test that needs a missing program, or fails it under
// CI=true (the convention of integration/tools_test.go).
func unavailable(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		tb.Fatalf("%s; apt-get install chromium (CI=true: the browser test must run)", msg)
	}
	tb.Skipf("%s; apt-get install chromium", msg)
}

// browser starts a private headless Chromium with a fresh profile.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		unavailable(t, "chromium not found")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelC(); cancelA() })
	// The first run starts the browser and must not have a timeout: its
	// context is the browser's life.
	if err := chromedp.Do(ctx); err != nil {
		unavailable(t, "chromium does not start: %v", err)
	}
	tctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancelT)
	return tctx
}

// value runs an action that returns a value, failing the test on error.
func value[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// steps runs actions that return nothing, failing the test on error.
func steps(t *testing.T, ctx context.Context, a ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, a...); err != nil {
		t.Fatal(err)
	}
}

// askRussian makes the browser ask for Russian pages.
var askRussian = chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
	if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
		return err
	}
	_, err := cdp.Call(ctx, t, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}})
	return err
})

// shown is one result as the browser rendered it.
type shown struct {
	Name     string   `json:"name"`
	Meta     []string `json:"meta"`
	Tels     []string `json:"tels"`
	Mail     string   `json:"mail"`
	MailHref string   `json:"mailHref"`
}

const readResults = `Array.from(document.querySelectorAll('#results li.person')).map(li => ({
	name: li.querySelector('.name').textContent,
	meta: Array.from(li.querySelectorAll('.meta')).map(e => e.textContent),
	tels: Array.from(li.querySelectorAll('a.phone')).map(a => a.getAttribute('href')),
	mail: (li.querySelector('a.mail') || {}).textContent || '',
	mailHref: (li.querySelector('a.mail') || {href: ''}).getAttribute('href') || ''}))`

// TestSearchPageInChromium types a Cyrillic name into the page in a real
// headless Chromium, submits it, reads the results from the DOM and takes
// screenshots at 390 and 1280 px (under the test's temp dir, and also in
// $USERDIR_SCREENSHOT_DIR when set: the README's screenshot comes from here).
func TestSearchPageInChromium(t *testing.T) {
	h, _, _ := newTest(t, book())
	ts := httptest.NewServer(h)
	defer ts.Close()
	ctx := browser(t)
	dir := t.TempDir()

	steps(t, ctx, askRussian, chromedp.EmulateViewport(390, 844), chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(`input[name=q]`))
	before := value(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('li').length`))
	steps(t, ctx,
		chromedp.SendKeys(`input[name=q]`, "иванов"),
		chromedp.Click(`button[type=submit]`),
		chromedp.WaitVisible(`#results`))
	got := value(t, ctx, chromedp.Evaluate[[]shown](readResults))
	lang := value(t, ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
	button := value(t, ctx, chromedp.Text(`button[type=submit]`))
	overflow := value(t, ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	shot390 := value(t, ctx, chromedp.CaptureScreenshot())
	steps(t, ctx, chromedp.EmulateViewport(1280, 720))
	shot1280 := value(t, ctx, chromedp.CaptureScreenshot())
	if before != 0 {
		t.Errorf("%d entries listed before a search", before)
	}
	if lang != "ru" || button != "Найти" {
		t.Errorf("lang %q, button %q: want the Russian page", lang, button)
	}
	if overflow {
		t.Error("the page is wider than a 390-px screen")
	}
	want := []shown{
		{Name: "Иванов Иван Иванович", Meta: []string{"Инженер · Отдел ИТ", "Тюмень"},
			Tels: []string{"tel:8293", "tel:+73452880293", "tel:+79123456789"}, Mail: "ivanov@company.ru", MailHref: "mailto:ivanov@company.ru"},
		{Name: "Иванова Мария Петровна", Meta: []string{"Бухгалтер", "Тюмень"},
			Tels: []string{"tel:88-02-94"}, Mail: "ivanova@company.ru", MailHref: "mailto:ivanova@company.ru"},
	}
	want[1].Tels = []string{"tel:880294"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("results in the DOM:\n%+v\nwant\n%+v", got, want)
	}

	// A name with markup in it is shown as text in the real browser.
	steps(t, ctx,
		chromedp.Navigate(ts.URL+"/"),
		chromedp.WaitVisible(`input[name=q]`),
		chromedp.SendKeys(`input[name=q]`, "O'Brien"),
		chromedp.Submit(`input[name=q]`),
		chromedp.WaitVisible(`#results`))
	trickyShown := value(t, ctx, chromedp.Evaluate[[]shown](readResults))
	scripts := value(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('script, co').length`))
	if len(trickyShown) != 1 || trickyShown[0].Name != tricky || scripts != 0 {
		t.Errorf("tricky name shown as %+v (%d elements injected)", trickyShown, scripts)
	}

	for name, png := range map[string][]byte{"search-390.png": shot390, "search-1280.png": shot1280} {
		if !slices.Equal(png[:4], []byte("\x89PNG")) {
			t.Fatalf("%s is not a PNG", name)
		}
		paths := []string{filepath.Join(dir, name)}
		if out := os.Getenv("USERDIR_SCREENSHOT_DIR"); out != "" {
			paths = append(paths, filepath.Join(out, name))
		}
		for _, p := range paths {
			if err := os.WriteFile(p, png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("screenshot %s: %d bytes", paths[len(paths)-1], len(png))
	}
}
