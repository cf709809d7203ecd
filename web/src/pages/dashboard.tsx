import { useText } from '../i18n';

export function DashboardPage() {
  const text = useText();
  return <h1>{text.dashboard.title}</h1>;
}
