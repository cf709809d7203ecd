import { render } from 'preact';
import { App } from './app';
import { LanguageProvider } from './i18n';
import './styles.css';

const root = document.getElementById('app');
if (root)
  render(
    <LanguageProvider>
      <App />
    </LanguageProvider>,
    root,
  );
