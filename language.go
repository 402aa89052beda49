package journeyproof

// Language is a language a journey runs in.
type Language struct {
	// Code is the journey's code: en, zh-HK or zh-CN.
	Code string
	// AcceptLanguage is what the browser sends.
	AcceptLanguage string
	// Locale is the ICU locale of navigator.language and Intl.
	Locale string
	// Label is the language's own name.
	Label string
}

// languages are the supported languages, in their display order.
func languages() [3]Language {
	return [...]Language{
		{Code: "en", AcceptLanguage: "en-HK,en", Locale: "en-HK", Label: "English"},
		{Code: "zh-HK", AcceptLanguage: "zh-HK,zh", Locale: "zh-HK", Label: "繁體中文"},
		{Code: "zh-CN", AcceptLanguage: "zh-CN,zh", Locale: "zh-CN", Label: "简体中文"},
	}
}

// LookupLanguage returns the language with the code.
func LookupLanguage(code string) (Language, bool) {
	for _, l := range languages() {
		if l.Code == code {
			return l, true
		}
	}
	return Language{}, false
}

// IsLanguage reports whether code is a supported language.
func IsLanguage(code string) bool { _, ok := LookupLanguage(code); return ok }

// Languages returns the supported language codes in display order: en,
// zh-HK, zh-CN.
func Languages() []string {
	ls := languages()
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.Code
	}
	return out
}

// LanguageOrder is the place of a language code in display order; a code
// that is not a supported language comes after every supported one (and
// callers order those among themselves by code).
func LanguageOrder(code string) int {
	all := languages()
	for i, l := range all {
		if l.Code == code {
			return i
		}
	}
	return len(all)
}
