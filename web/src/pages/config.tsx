import { useText } from '../i18n';

export function ConfigPage() {
  const text = useText();
  return <h1>{text.config.title}</h1>;
}
