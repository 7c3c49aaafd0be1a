import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { Button } from '../../../components/button';
import { ErrorMessage } from '../../../components/feedback';
import { TextField } from '../../../components/field';
import { ApiError } from '../../../lib/api-client';
import { useAcceptInvitation } from '../api/auth-api';
import { AuthLayout } from './auth-layout';

export function AcceptInvitationPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const navigate = useNavigate();
  const accept = useAcceptInvitation();
  const [fullName, setFullName] = useState('');
  const [password, setPassword] = useState('');
  const fieldErrors = accept.error instanceof ApiError ? accept.error.fieldErrors : {};

  function submit(event: FormEvent) {
    event.preventDefault();
    accept.mutate({ token, full_name: fullName, password }, { onSuccess: () => navigate('/', { replace: true }) });
  }

  if (!token) {
    return (
      <AuthLayout title="Invitation link incomplete" footer={<Link to="/login">Go to sign in</Link>}>
        <p>This link has no invitation token. Open the link from your invitation again, or ask your admin for a new one.</p>
      </AuthLayout>
    );
  }

  return (
    <AuthLayout title="Join your team" subtitle="You have been invited to LeadAI. Choose your name and a password to finish.">
      <form className="stack" onSubmit={submit} noValidate>
        <TextField label="Your name" name="full_name" autoComplete="name" required value={fullName} onChange={(e) => setFullName(e.target.value)} error={fieldErrors.full_name} autoFocus />
        <TextField label="Password" type="password" name="password" autoComplete="new-password" required minLength={10} value={password} onChange={(e) => setPassword(e.target.value)} error={fieldErrors.password} hint="At least 10 characters." />
        {accept.error && (Object.keys(fieldErrors).length === 0 || fieldErrors.token) && <ErrorMessage error={accept.error} />}
        <Button type="submit" variant="primary" busy={accept.isPending}>
          Accept invitation
        </Button>
      </form>
    </AuthLayout>
  );
}
