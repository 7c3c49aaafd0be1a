import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { Button } from '../../../components/button';
import { ErrorMessage } from '../../../components/feedback';
import { TextField } from '../../../components/field';
import { ApiError } from '../../../lib/api-client';
import { useSignup } from '../api/auth-api';
import { AuthLayout } from './auth-layout';

export function SignupPage() {
  const navigate = useNavigate();
  const signup = useSignup();
  const [form, setForm] = useState({ organization_name: '', full_name: '', email: '', password: '' });
  const fieldErrors = signup.error instanceof ApiError ? signup.error.fieldErrors : {};
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [key]: e.target.value }));

  function submit(event: FormEvent) {
    event.preventDefault();
    signup.mutate(form, { onSuccess: () => navigate('/', { replace: true }) });
  }

  return (
    <AuthLayout
      title="Create your organization"
      subtitle="You will be its first admin. Invite your team afterwards."
      footer={
        <>
          Already have an account? <Link to="/login">Sign in</Link>
        </>
      }
    >
      <form className="stack" onSubmit={submit} noValidate>
        <TextField label="Organization name" name="organization_name" autoComplete="organization" required value={form.organization_name} onChange={set('organization_name')} error={fieldErrors.organization_name} autoFocus />
        <TextField label="Your name" name="full_name" autoComplete="name" required value={form.full_name} onChange={set('full_name')} error={fieldErrors.full_name} />
        <TextField label="Work email" type="email" name="email" autoComplete="email" required value={form.email} onChange={set('email')} error={fieldErrors.email} />
        <TextField label="Password" type="password" name="password" autoComplete="new-password" required minLength={10} value={form.password} onChange={set('password')} error={fieldErrors.password} hint="At least 10 characters." />
        {signup.error && Object.keys(fieldErrors).length === 0 && <ErrorMessage error={signup.error} />}
        <Button type="submit" variant="primary" busy={signup.isPending}>
          Create organization
        </Button>
      </form>
    </AuthLayout>
  );
}
