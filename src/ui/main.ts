/** SPA entry (placeholder until the real UI lands): shows the product name and the API health. */
const app = document.getElementById('app');

async function showHealth(): Promise<void> {
  if (!app) return;
  app.textContent = 'onebox';
  try {
    const res = await fetch('/api/v1/health');
    app.textContent = `onebox — API ${res.ok ? 'up' : `error ${res.status}`}`;
  } catch {
    app.textContent = 'onebox — API unreachable';
  }
}

void showHealth();
