import { type Language, languages, useLanguage } from '../i18n';
import { type Theme, useTheme } from '../theme';

export function LanguageSelect() {
  const { text, language, setLanguage } = useLanguage();
  return (
    <select
      class="compact"
      value={language}
      onChange={(event) => setLanguage(event.currentTarget.value as Language)}
      aria-label={text.language.label}
    >
      {Object.entries(languages).map(([code, messages]) => (
        <option key={code} value={code} lang={code}>
          {messages.language.name}
        </option>
      ))}
    </select>
  );
}

export function ThemeSelect() {
  const { text } = useLanguage();
  const [theme, setTheme] = useTheme();
  return (
    <select
      class="compact"
      value={theme}
      onChange={(event) => setTheme(event.currentTarget.value as Theme)}
      aria-label={text.common.themeLabel}
    >
      {(['system', 'light', 'dark'] as const).map((name) => (
        <option key={name} value={name}>
          {text.common.theme[name]}
        </option>
      ))}
    </select>
  );
}
