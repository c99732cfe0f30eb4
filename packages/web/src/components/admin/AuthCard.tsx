/** The frame of the logged-out screens (setup, login): a centred card with the product name. */
import type { ReactNode } from 'react';

export function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main id="main" className="auth-card panel">
      <p className="brand auth-brand">Meshwork</p>
      <h1>{title}</h1>
      {children}
    </main>
  );
}
