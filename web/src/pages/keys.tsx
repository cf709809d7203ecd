import { useText } from '../i18n';

export function KeysPage() {
  const text = useText();
  return <h1>{text.keys.title}</h1>;
}
