import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { Button } from '../../../components/button';
import { ErrorMessage } from '../../../components/feedback';
import { TextField } from '../../../components/field';
import { ApiError } from '../../../lib/api-client';
import { useLogin } from '../api/auth-api';
import { AuthLayout } from './auth-layout';

/** Only paths inside the app, so ?next= cannot send anyone elsewhere. */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function LoginPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const login = useLogin();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const fieldErrors = login.error instanceof ApiError ? login.error.fieldErrors : {};

  function submit(event: FormEvent) {
    event.preventDefault();
    login.mutate({ email, password }, { onSuccess: () => navigate(safeNext(params.get('next')), { replace: true }) });
  }

  return (
    <AuthLayout
      title="Sign in"
      subtitle="Welcome back. Sign in to see who to call next."
      footer={
        <>
          New to LeadAI? <Link to="/signup">Create an organization</Link>
        </>
      }
    >
      <form className="stack" onSubmit={submit} noValidate>
        <TextField label="Email" type="email" name="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} error={fieldErrors.email} autoFocus />
        <TextField label="Password" type="password" name="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} error={fieldErrors.password} />
        {login.error && Object.keys(fieldErrors).length === 0 && <ErrorMessage error={login.error} />}
        <Button type="submit" variant="primary" busy={login.isPending}>
          Sign in
        </Button>
      </form>
    </AuthLayout>
  );
}
