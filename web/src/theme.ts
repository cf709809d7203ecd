import { useEffect, useState } from 'preact/hooks';

export type Theme = 'system' | 'light' | 'dark';
const storageKey = 'gemgate.theme';

/** The theme chosen in this browser: `system` follows the operating system's light or dark. */
export function useTheme(): [Theme, (theme: Theme) => void] {
  const [theme, setTheme] = useState<Theme>(() => {
    const saved = localStorage.getItem(storageKey);
    return saved === 'light' || saved === 'dark' ? saved : 'system';
  });
  useEffect(() => {
    localStorage.setItem(storageKey, theme);
    if (theme === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
  }, [theme]);
  return [theme, setTheme];
}
