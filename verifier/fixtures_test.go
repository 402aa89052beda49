package verifier

import (
	"fmt"
	"strings"
)

// page is a login screen of a sample online service, in parts that a
// fixture changes one at a time.
type page struct {
	lang     string // lang attribute of <html>; "-" for none
	title    string
	heading  string
	entry    string // the iAM Smart entry
	moreInfo string // the link about iAM Smart
	password string // the other sign-in option (a password form)
	extra    string // anything else in <main>
	style    string // extra CSS
}

const baseStyle = `
body{margin:0;font:16px/1.5 "Noto Sans",sans-serif;color:#1f1f1f;background:#fff}
header{background:#f4f6f8;padding:12px 24px}
header a{display:inline-block;padding:8px 4px;color:#0b5394}
main{max-width:560px;margin:0 auto;padding:24px}
.iam{display:flex;align-items:center;justify-content:center;gap:10px;width:100%;height:52px;border:0;border-radius:6px;
  background:#1d5c50;color:#fff;font-size:18px;font-weight:600;cursor:pointer;text-decoration:none}
.iam img,.iam svg{width:28px;height:28px}
.more{display:inline-block;padding:4px 0;color:#0b5394}
form{margin-top:32px;border-top:1px solid #ccc;padding-top:16px}
label{display:block;margin-top:12px}
input[type=text],input[type=password],input[type=email]{display:block;width:100%;box-sizing:border-box;height:40px;font-size:16px;padding:4px 8px;border:1px solid #666}
.login{margin-top:16px;width:100%;height:52px;border:0;border-radius:6px;background:#333;color:#fff;font-size:18px}
footer{padding:24px;color:#444}
footer a{display:inline-block;padding:6px 2px;color:#0b5394}
`

func (p page) html() string {
	lang := ` lang="` + p.lang + `"`
	if p.lang == "-" {
		lang = ""
	}
	return fmt.Sprintf(`<!doctype html>
<html%s><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>%s</title><style>%s%s</style></head>
<body>
<header><a href="/">Home</a> <a href="/contact">Contact us</a></header>
<main>
<h1>%s</h1>
%s
%s
%s
%s
</main>
<footer><a href="/privacy">Privacy</a> <a href="/terms">Terms</a></footer>
</body></html>`, lang, p.title, baseStyle, p.style, p.heading, p.entry, p.moreInfo, p.password, p.extra)
}

// enPage is the clean English login page: every rule passes.
func enPage() page {
	return page{
		lang:     "en",
		title:    "Sign in - Sample Service",
		heading:  "Sign in to Sample Service",
		entry:    `<a id="iam" class="iam" href="/iamsmart/start"><img src="/logo.png" alt="" width="28" height="28"><span>Log in with iAM Smart</span></a>`,
		moreInfo: `<p><a class="more" href="https://www.iamsmart.gov.hk/en/">What is iAM Smart?</a> Visit www.iamsmart.gov.hk to download the app.</p>`,
		password: `<form action="/login" method="post"><h2>Or use your password</h2>
<label for="user">User name</label><input id="user" name="user" type="text" autocomplete="username">
<label for="pw">Password</label><input id="pw" name="pw" type="password" autocomplete="current-password">
<button class="login" type="submit">Log in</button></form>`,
	}
}

func zhHKPage() page {
	return page{
		lang:     "zh-HK",
		title:    "登入 - 示範服務",
		heading:  "登入示範服務",
		entry:    `<a id="iam" class="iam" href="/iamsmart/start"><img src="/logo.png" alt="" width="28" height="28"><span>以「智方便」登入</span></a>`,
		moreInfo: `<p><a class="more" href="https://www.iamsmart.gov.hk/tc/">甚麼是「智方便」？</a></p>`,
		password: `<form action="/login" method="post"><h2>或使用密碼</h2>
<label for="user">用戶名稱</label><input id="user" name="user" type="text">
<label for="pw">密碼</label><input id="pw" name="pw" type="password">
<button class="login" type="submit">登入</button></form>`,
	}
}

func zhCNPage() page {
	return page{
		lang:     "zh-CN",
		title:    "登录 - 示范服务",
		heading:  "登录示范服务",
		entry:    `<a id="iam" class="iam" href="/iamsmart/start"><img src="/logo.png" alt="" width="28" height="28"><span>以「智方便」登录</span></a>`,
		moreInfo: `<p><a class="more" href="https://www.iamsmart.gov.hk/sc/">了解更多</a></p>`,
		password: `<form action="/login" method="post"><h2>或使用密码</h2>
<label for="user">用户名称</label><input id="user" name="user" type="text">
<label for="pw">密码</label><input id="pw" name="pw" type="password">
<button class="login" type="submit">登录</button></form>`,
	}
}

func with(p page, f func(*page)) page {
	f(&p)
	return p
}

// svgLogo is an inline logo with a square viewBox.
const svgLogo = `<svg viewBox="0 0 40 40" aria-hidden="true"><rect width="40" height="40" rx="6" fill="#fff"/><circle cx="20" cy="20" r="10" fill="#1d5c50"/></svg>`

// fixtureCase is a page, the context it is checked in, and the rules it
// must break (none for a passing page).
type fixtureCase struct {
	name   string
	device string
	ctx    Context
	page   page
	want   []string
}

var auth = Context{Process: ProcessAuthentication, Lang: LangEN, Device: DeviceDesktop, Trigger: true}

func ctxWith(c Context, f func(*Context)) Context {
	f(&c)
	return c
}

// fixtureCases has, for every page rule, at least one page that passes and
// one that fails, and the clean pages in each language and device.
func fixtureCases() []fixtureCase {
	hk := ctxWith(auth, func(c *Context) { c.Lang = LangZHHK })
	cn := ctxWith(auth, func(c *Context) { c.Lang = LangZHCN })
	mobile := ctxWith(auth, func(c *Context) { c.Device = DeviceMobile })
	return []fixtureCase{
		// clean pages
		{name: "clean-en", ctx: auth, page: enPage()},
		{name: "clean-zh-hk", ctx: hk, page: zhHKPage()},
		{name: "clean-zh-cn", ctx: cn, page: zhCNPage()},
		{name: "clean-en-mobile", device: DeviceMobile, ctx: mobile, page: enPage()},
		{name: "clean-svg-logo", ctx: auth, page: with(enPage(), func(p *page) {
			p.entry = `<button id="iam" class="iam" type="button">` + svgLogo + `Continue with iAM Smart</button>`
		})},
		// entries however they are built (issue 20): each is found, and clean
		{name: "clean-entry-role-button", ctx: auth, page: with(enPage(), func(p *page) {
			p.entry = `<div id="iam" class="iam" role="button" tabindex="0"><img src="/logo.png" alt="" width="28" height="28">Log in with iAM Smart</div>`
		})},
		{name: "clean-entry-image-only", ctx: auth, page: with(enPage(), func(p *page) {
			p.entry = `<button id="iam" class="iam" type="button"><img src="/logo.png" alt="Log in with iAM Smart" width="28" height="28"></button>`
		})},
		{name: "clean-entry-svg-title", ctx: auth, page: with(enPage(), func(p *page) {
			p.entry = `<a id="iam" class="iam" href="/iamsmart/start"><svg viewBox="0 0 40 40" role="img"><title>Log in with iAM Smart</title><rect width="40" height="40" rx="6" fill="#fff"/></svg></a>`
		})},
		{name: "clean-entry-split-text", ctx: auth, page: with(enPage(), func(p *page) {
			p.entry = `<a id="iam" class="iam" href="/iamsmart/start"><img src="/logo.png" alt="" width="28" height="28"><span>Log in <span>with</span></span>&#32;<b>iAM</b> <i>Smart</i></a>`
		})},
		// CSS text-transform: the user reads "LOG IN WITH IAM SMART"; the
		// label rule judges that and names the accessible name beside it
		{name: "entry-text-transform", ctx: auth, page: with(enPage(), func(p *page) {
			p.entry = strings.Replace(p.entry, `class="iam"`, `class="iam" style="text-transform:uppercase"`, 1)
		}), want: []string{RuleLabelApproved, RuleBrandSpelling}},
		{name: "clean-no-lang-attr", ctx: hk, page: with(zhHKPage(), func(p *page) { p.lang = "-" })},
		{name: "clean-not-trigger", ctx: ctxWith(auth, func(c *Context) { c.Trigger = false }), page: with(enPage(), func(p *page) { p.entry, p.moreInfo = "", "" })},

		// iamsmart.entry.present
		{name: "entry-missing", ctx: auth, page: with(enPage(), func(p *page) { p.entry, p.moreInfo = "", "" }), want: []string{RuleEntryPresent}},

		// iamsmart.label.approved
		{name: "label-wrong", ctx: auth, page: with(enPage(), func(p *page) {
			p.entry = strings.Replace(p.entry, "Log in with iAM Smart", "Login by iAM Smart", 1)
		}), want: []string{RuleLabelApproved}},
		{name: "label-other-process", ctx: ctxWith(auth, func(c *Context) { c.Process = ProcessFormFilling }), page: enPage(), want: []string{RuleLabelApproved}},
		{name: "label-form-filling", ctx: ctxWith(auth, func(c *Context) { c.Process = ProcessFormFilling }), page: with(enPage(), func(p *page) {
			p.entry = strings.Replace(p.entry, "Log in with iAM Smart", "Fill in with iAM Smart", 1)
			p.password = ""
		})},
		{name: "label-signing-zh-hk", ctx: ctxWith(hk, func(c *Context) { c.Process = ProcessSigning }), page: with(zhHKPage(), func(p *page) {
			p.entry = strings.Replace(p.entry, "以「智方便」登入", "以「智方便」簽署", 1)
			p.password = ""
		})},
		{name: "label-unknown-process", ctx: ctxWith(auth, func(c *Context) { c.Process = ProcessOther }), page: with(enPage(), func(p *page) {
			p.entry = strings.Replace(p.entry, "Log in with iAM Smart", "Sign with iAM Smart", 1)
		})},

		// iamsmart.brand.spelling
		{name: "brand-misspelt", ctx: auth, page: with(enPage(), func(p *page) {
			p.extra = `<p>Register for IAM Smart at any registration centre.</p>`
		}), want: []string{RuleBrandSpelling}},
		{name: "brand-bare-chinese", ctx: hk, page: with(zhHKPage(), func(p *page) {
			p.extra = `<p>請先下載智方便流動應用程式。</p>`
		}), want: []string{RuleBrandSpelling}},

		// iamsmart.logo.present
		{name: "logo-missing", ctx: auth, page: with(enPage(), func(p *page) {
			p.entry = `<a id="iam" class="iam" href="/iamsmart/start">Log in with iAM Smart</a>`
		}), want: []string{RuleLogoPresent}},
		{name: "logo-background", ctx: auth, page: with(enPage(), func(p *page) {
			p.entry = `<a id="iam" class="iam" href="/iamsmart/start"><span class="bg"></span>Log in with iAM Smart</a>`
			p.style = `.bg{display:inline-block;width:28px;height:28px;background:url(/logo.png) center/contain no-repeat}`
		})},

		// iamsmart.logo.aspect
		{name: "logo-stretched", ctx: auth, page: with(enPage(), func(p *page) {
			p.style = `.iam img{width:56px;height:28px}`
		}), want: []string{RuleLogoAspect}},
		{name: "logo-svg-stretched", ctx: auth, page: with(enPage(), func(p *page) {
			p.entry = `<button id="iam" class="iam" type="button">` + strings.Replace(svgLogo, "<svg ", `<svg preserveAspectRatio="none" style="width:56px" `, 1) + `Log in with iAM Smart</button>`
		}), want: []string{RuleLogoAspect}},
		{name: "logo-object-fit", ctx: auth, page: with(enPage(), func(p *page) {
			p.style = `.iam img{width:56px;height:28px;object-fit:contain}`
		})},

		// iamsmart.button.size
		{name: "button-small", ctx: auth, page: with(enPage(), func(p *page) {
			p.password = ""
			p.style = `.iam{width:150px;height:36px;font-size:14px}`
		}), want: []string{RuleButtonSize}},
		{name: "button-small-mobile", device: DeviceMobile, ctx: mobile, page: with(enPage(), func(p *page) {
			p.password = ""
			p.style = `.iam{width:200px;height:40px}`
		}), want: []string{RuleButtonSize}},

		// iamsmart.visible
		{name: "entry-hidden", ctx: auth, page: with(enPage(), func(p *page) { p.style = `#iam{display:none}` }), want: []string{RuleVisible}},
		{name: "entry-covered", ctx: auth, page: with(enPage(), func(p *page) {
			p.extra = `<div id="cookie" style="position:fixed;left:0;top:0;width:100%;height:100%;background:rgba(255,255,255,.01)"></div>`
		}), want: []string{RuleVisible}},
		{name: "entry-offscreen", ctx: auth, page: with(enPage(), func(p *page) { p.style = `#iam{position:absolute;left:-2000px}` }), want: []string{RuleVisible}},
		{name: "entry-below-fold", ctx: auth, page: with(enPage(), func(p *page) { p.heading += `<div style="height:1500px"></div>` })},
		{name: "entry-responsive-copy", ctx: auth, page: with(enPage(), func(p *page) {
			p.entry += `<a class="iam" style="display:none" href="/iamsmart/start"><img src="/logo.png" alt="">Log in with iAM Smart</a>`
		})},

		// iamsmart.prominence
		{name: "prominence-smaller", ctx: auth, page: with(enPage(), func(p *page) {
			p.style = `.iam{width:240px;height:44px}`
		}), want: []string{RuleProminence}},
		{name: "prominence-font", ctx: auth, page: with(enPage(), func(p *page) {
			p.style = `.iam{font-size:14px}`
		}), want: []string{RuleProminence}},

		{name: "prominence-other-provider", ctx: auth, page: with(enPage(), func(p *page) {
			p.password = `<button class="login" type="button" style="height:72px">Sign in with Google</button>`
		}), want: []string{RuleProminence}},
		{name: "prominence-not-sign-in", ctx: auth, page: with(enPage(), func(p *page) {
			p.password = `<p><a href="/forgot" class="login" style="display:block;height:80px;line-height:80px;text-align:center">Forgot your login name?</a></p>`
		})},
		{name: "label-screen-reader-text", ctx: auth, page: with(enPage(), func(p *page) {
			p.entry = strings.Replace(p.entry, "</span>", `</span><span class="sr-only">(opens the iAM Smart app)</span>`, 1)
			p.style = `.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}`
		})},

		// iamsmart.lang.consistent
		{name: "lang-english-label-on-zh-hk", ctx: hk, page: with(zhHKPage(), func(p *page) {
			p.entry = strings.Replace(p.entry, "以「智方便」登入", "Log in with iAM Smart", 1)
		}), want: []string{RuleLangConsistent}},
		{name: "lang-simplified-on-zh-hk", ctx: hk, page: with(zhHKPage(), func(p *page) {
			p.entry = strings.Replace(p.entry, "以「智方便」登入", "以「智方便」登录", 1)
		}), want: []string{RuleLangConsistent}},
		{name: "lang-page-attr-wins", ctx: auth, page: zhHKPage()},

		// iamsmart.more-info
		{name: "more-info-missing", ctx: auth, page: with(enPage(), func(p *page) { p.moreInfo = "" }), want: []string{RuleMoreInfo}},
		{name: "more-info-far", ctx: auth, page: with(enPage(), func(p *page) {
			p.extra = `<div style="height:400px"></div>` + p.moreInfo
			p.moreInfo = ""
			p.password = ""
		}), want: []string{RuleMoreInfo}},

		// a11y.contrast
		{name: "contrast-low", ctx: auth, page: with(enPage(), func(p *page) {
			p.extra = `<p style="color:#777">Your session ends after 15 minutes.</p>`
		}), want: []string{RuleContrast}},
		{name: "contrast-ok", ctx: auth, page: with(enPage(), func(p *page) {
			p.extra = `<p style="color:#767676">Your session ends after 15 minutes.</p>`
		})},
		{name: "contrast-large-text", ctx: auth, page: with(enPage(), func(p *page) {
			p.extra = `<p style="color:#949494;font-size:24px">Welcome</p>`
		})},
		{name: "contrast-translucent-bg", ctx: auth, page: with(enPage(), func(p *page) {
			p.extra = `<div style="background:#000"><p style="background:rgba(255,255,255,.1);color:#555;margin:0">Notice</p></div>`
		}), want: []string{RuleContrast}},

		// a11y.name
		{name: "name-missing", ctx: auth, page: with(enPage(), func(p *page) {
			p.extra = `<button id="menu" type="button" style="width:40px;height:40px">` + svgLogo + `</button>`
		}), want: []string{RuleName}},
		{name: "name-aria-label", ctx: auth, page: with(enPage(), func(p *page) {
			p.extra = `<button id="menu" type="button" aria-label="Menu" style="width:40px;height:40px">` + svgLogo + `</button>`
		})},

		// a11y.label-in-name
		{name: "label-in-name-broken", ctx: auth, page: with(enPage(), func(p *page) {
			p.extra = `<p><a class="more" href="/help" aria-label="Support centre">Help</a></p>`
		}), want: []string{RuleLabelInName}},
		{name: "label-in-name-ok", ctx: auth, page: with(enPage(), func(p *page) {
			p.extra = `<p><a class="more" href="/help" aria-label="Help and support">Help</a></p>`
		})},

		// a11y.target-size
		{name: "target-size-crowded", ctx: auth, page: with(enPage(), func(p *page) {
			p.extra = `<p><a href="/a" class="t">A</a><a href="/b" class="t">B</a></p>`
			p.style = `.t{display:inline-block;width:16px;height:16px;line-height:16px;font-size:12px;color:#0b5394}`
		}), want: []string{RuleTargetSize}},
		{name: "target-size-spaced", ctx: auth, page: with(enPage(), func(p *page) {
			p.extra = `<p><a href="/a" class="t">A</a><a href="/b" class="t">B</a></p>`
			p.style = `.t{display:inline-block;width:16px;height:16px;line-height:16px;font-size:12px;color:#0b5394;margin-right:12px}`
		})},
		{name: "target-size-inline", ctx: auth, page: with(enPage(), func(p *page) {
			p.extra = `<p style="font-size:13px;line-height:1.2">Read the <a href="/a">terms</a> and <a href="/b">privacy</a> notes.</p>`
		})},

		// a11y.form-label
		{name: "form-label-missing", ctx: auth, page: with(enPage(), func(p *page) {
			p.password = strings.Replace(p.password, `<label for="user">User name</label>`, ``, 1)
			p.password = strings.Replace(p.password, `type="text"`, `type="text" placeholder="User name"`, 1)
		}), want: []string{RuleFormLabel}},
		{name: "form-label-wrapping", ctx: auth, page: with(enPage(), func(p *page) {
			p.extra = `<label>Remember me <input type="checkbox" name="remember" style="width:24px;height:24px"></label>`
		})},

		// a11y.image-alt
		{name: "image-alt-missing", ctx: auth, page: with(enPage(), func(p *page) {
			p.extra = `<img src="/logo.png" width="40" height="40">`
		}), want: []string{RuleImageAlt}},
		{name: "image-alt-decorative", ctx: auth, page: with(enPage(), func(p *page) {
			p.extra = `<img src="/logo.png" alt="" width="40" height="40">`
		})},
	}
}

// fixturePages is every fixture page by name, for the test server.
func fixturePages() map[string]string {
	m := map[string]string{}
	for _, c := range fixtureCases() {
		m[c.name] = c.page.html()
	}
	m["realistic"] = realisticPage()
	for k, v := range probeFixtures() {
		m[k] = v
	}
	return m
}

// realisticPage is a fuller login page for the benchmark: navigation,
// notices, the entry, a password form and a long footer.
func realisticPage() string {
	p := enPage()
	var nav, foot strings.Builder
	for i := range 12 {
		fmt.Fprintf(&nav, `<a href="/section/%d">Section %d</a> `, i, i)
	}
	for i := range 40 {
		fmt.Fprintf(&foot, `<li><a href="/info/%d">Information page %d</a> — a short description of what this page holds.</li>`, i, i)
	}
	p.extra = `<section><h2>Before you start</h2><p>You need your HKID number and a mobile phone with the iAM Smart app.</p>
<ul>` + foot.String() + `</ul></section>`
	p.heading = `<nav>` + nav.String() + `</nav><h1>Sign in to Sample Service</h1>`
	return p.html()
}
