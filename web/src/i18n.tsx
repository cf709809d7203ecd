import { type ComponentChildren, createContext } from 'preact';
import { useContext, useEffect, useMemo, useState } from 'preact/hooks';
import { en, type Messages } from './i18n/en';
import { zhCN } from './i18n/zh-CN';

export const languages = { en, 'zh-CN': zhCN } as const satisfies Record<string, Messages>;
export type Language = keyof typeof languages;

const storageKey = 'gemgate.language';

/** The language saved in this browser, else the browser's own when it reads Chinese, else English. */
export function initialLanguage(saved: string | null, preferred: readonly string[]): Language {
  if (saved !== null && saved in languages) return saved as Language;
  return preferred.some((tag) => tag.toLowerCase().startsWith('zh')) ? 'zh-CN' : 'en';
}

interface LanguageContext {
  readonly language: Language;
  readonly text: Messages;
  setLanguage(language: Language): void;
}

const Context = createContext<LanguageContext>({ language: 'en', text: en, setLanguage: () => {} });

export function LanguageProvider({ children }: { children: ComponentChildren }) {
  const [language, setLanguage] = useState<Language>(() =>
    initialLanguage(localStorage.getItem(storageKey), navigator.languages ?? [navigator.language]),
  );
  useEffect(() => {
    localStorage.setItem(storageKey, language);
    document.documentElement.lang = language;
  }, [language]);
  const value = useMemo(() => ({ language, text: languages[language], setLanguage }), [language]);
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

/** The texts of the language in force, and a way to change it. */
export const useLanguage = () => useContext(Context);
/** The texts of the language in force. */
export const useText = () => useContext(Context).text;
