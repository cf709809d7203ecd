import { useText } from '../i18n';

export function LogsPage() {
  const text = useText();
  return <h1>{text.logs.title}</h1>;
}
