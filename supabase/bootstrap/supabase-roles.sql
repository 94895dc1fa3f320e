-- The roles every hosted Supabase database already has, created here for databases that lack them
-- (the throwaway Postgres of `npm test`, the embedded PGlite of `npm start`), so that grants and row
-- level security behave exactly as they will on Supabase. Never run against a Supabase project: it
-- has these roles, owned by the platform. Idempotent.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticator') then
    create role authenticator noinherit login;
  end if;
end
$$;
grant anon, authenticated, service_role to authenticator;
