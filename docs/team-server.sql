-- Stadtteil-Atlas: a team server on PostgreSQL (15 or newer).
-- Stadtteil-Atlas: Teamserver auf PostgreSQL (ab Version 15) einrichten.
--
-- Run as a superuser (e.g. postgres), with psql:
--   psql -U postgres -v db=atlas -v owner=atlas_owner -f docs/team-server.sql
-- Als Superuser ausführen (z. B. postgres), siehe oben. Alle Variablen sind optional:
--   db        database name                       (Datenbank)         default atlas
--   owner     owns the tables, runs the upgrades  (Eigentümer)        default atlas_owner
--   lead      group: everything                   (Projektleitung)    default atlas_lead
--   coach     group: read and write, no deleting  (Netzwerkcoach)     default atlas_coach
--   readonly  group: search, look, print          (nur lesen)         default atlas_readonly
--
-- The script can be run again at any time (it changes nothing that is already right).
-- Das Skript darf jederzeit erneut laufen.
--
-- Order / Reihenfolge:
--   1. Run this script.                                  Skript ausführen.
--   2. Set the owner's password (\password atlas_owner) and start the program ONCE with
--      the owner's login: it creates the tables (and later upgrades them).
--      Einmal mit dem Eigentümer anmelden: das Programm legt die Tabellen an.
--   3. Run this script again: it grants the rights on the tables and sets the row rule
--      of app_setting. Skript erneut ausführen (Rechte auf die Tabellen, Zeilenregel).
--   4. Create one login per person (see the end of this file) in one of the groups.
--      Je Person eine Anmeldung in einer der drei Gruppen anlegen (siehe Ende).
-- After a program update: start it once with the owner's login (it upgrades the
-- tables and the search index), then run this script again.
-- Nach einem Update: einmal als Eigentümer starten, dann dieses Skript erneut ausführen.
--
-- What each group may do: docs/TEAM.md (table "Rechte der Rollen").

\set ON_ERROR_STOP on
\if :{?db}
\else
  \set db atlas
\endif
\if :{?owner}
\else
  \set owner atlas_owner
\endif
\if :{?lead}
\else
  \set lead atlas_lead
\endif
\if :{?coach}
\else
  \set coach atlas_coach
\endif
\if :{?readonly}
\else
  \set readonly atlas_readonly
\endif

-- 1. Roles / Rollen -------------------------------------------------------------------
-- The owner logs in (set its password with \password); the three groups do not: people
-- log in with their own role, member of one group. Der Eigentümer meldet sich an, die
-- drei Gruppen nicht.
SELECT format('CREATE ROLE %I LOGIN', :'owner')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I NOLOGIN', r)
  FROM unnest(ARRAY[:'lead', :'coach', :'readonly']) AS r
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) \gexec

-- 2. Database / Datenbank ----------------------------------------------------------------
SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L TEMPLATE template0', :'db', :'owner', 'UTF8')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
-- Nobody else may connect; the groups may. Nur die Gruppen dürfen sich verbinden.
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'db') \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I, %I, %I', :'db', :'lead', :'coach', :'readonly') \gexec

\connect :"db"
\set ON_ERROR_STOP on

-- 3. Extensions (search: trigram index) / Erweiterungen für die Suche -------------------
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

-- 4. Schema: the owner creates the tables; the groups use them. -------------------------
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO :"owner";
GRANT USAGE ON SCHEMA public TO :"lead", :"coach", :"readonly";

-- Tables a later upgrade adds get these rights at once (the coach: no deleting).
-- Tabellen eines späteren Updates bekommen diese Rechte sofort.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"lead";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE ON TABLES TO :"coach";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT SELECT ON TABLES TO :"readonly";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO :"lead", :"coach";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT SELECT ON SEQUENCES TO :"readonly";

-- 5. Rights on the tables (only once the program has created them) ----------------------
--    Rechte auf die Tabellen (erst, wenn das Programm sie angelegt hat)
SELECT EXISTS (SELECT FROM pg_tables WHERE schemaname = 'public' AND tablename = 'app_setting')
       AS atlas_has_tables \gset
\if :atlas_has_tables

-- Start from nothing, so a second run also takes back what is no longer meant.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM :"lead", :"coach", :"readonly";
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM :"lead", :"coach", :"readonly";

-- Read-only: look, search, print. Nur lesen.
GRANT SELECT ON ALL TABLES IN SCHEMA public TO :"readonly";
GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO :"readonly";

-- Lead: read, write and delete everything (the activity rule and the taxonomies too).
-- Projektleitung: alles lesen, schreiben, löschen.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"lead";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"lead";

-- Coach: read everything; write the records, attendance, follow-ups and agreements;
-- remove only rows that editing a record replaces (ticks, target groups, members,
-- parties, a meeting's tasks, search index rows, cached geocoder answers).
-- Netzwerkcoach: alles lesen; Datensätze schreiben; nichts löschen außer Zeilen, die
-- das Bearbeiten eines Datensatzes ersetzt.
GRANT SELECT ON ALL TABLES IN SCHEMA public TO :"coach";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"coach";
GRANT INSERT, UPDATE ON
  institution, offer, contact, actor, round_table, meeting, agreement,
  attendance, follow_up, agreement_party, actor_status_event, actor_override,
  offer_target_group, round_table_member, geocode_cache
  TO :"coach";
GRANT DELETE ON
  attendance, follow_up, agreement_party, offer_target_group, round_table_member, geocode_cache
  TO :"coach";
-- The search index follows every save. Der Suchindex folgt jedem Speichern.
SELECT format('GRANT INSERT, UPDATE, DELETE ON %I TO %I', tablename, :'coach')
  FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'search\_%' \gexec
-- Shared settings: the coach may add and change them (not rename them) ...
GRANT INSERT ON app_setting TO :"coach";
GRANT UPDATE (value, updated_at, version) ON app_setting TO :"coach";
-- ... except the activity rule ("activity.*"), which only the lead changes: a row rule.
-- Die Aktivitätsregel ("activity.*") ändert nur die Projektleitung: eine Zeilenregel.
ALTER TABLE app_setting ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS atlas_read ON app_setting;
DROP POLICY IF EXISTS atlas_lead_all ON app_setting;
DROP POLICY IF EXISTS atlas_coach_insert ON app_setting;
DROP POLICY IF EXISTS atlas_coach_update ON app_setting;
CREATE POLICY atlas_read ON app_setting FOR SELECT USING (true);
CREATE POLICY atlas_lead_all ON app_setting FOR ALL TO :"lead" USING (true) WITH CHECK (true);
CREATE POLICY atlas_coach_insert ON app_setting FOR INSERT TO :"coach"
  WITH CHECK (key NOT LIKE 'activity.%');
CREATE POLICY atlas_coach_update ON app_setting FOR UPDATE TO :"coach"
  USING (true) WITH CHECK (key NOT LIKE 'activity.%');
-- Not for the coach: term (taxonomies), quarter (quarters and their boundaries),
-- erasure_register (an erasure deletes), and DELETE of any record.
-- Nicht für Netzwerkcoaches: Begriffe, Quartiere, Löschregister, Löschen von Datensätzen.

\else
\echo 'Die Tabellen gibt es noch nicht: einmal mit dem Eigentümer anmelden, dann das Skript erneut ausführen.'
\echo 'No tables yet: start the program once with the owner login, then run this script again.'
\endif

-- 6. Logins: one per person / Anmeldungen: eine je Person --------------------------------
-- Examples (change names and passwords; Beispiele, Namen und Passwörter ändern):
--   CREATE ROLE anna  LOGIN PASSWORD 'bitte-ändern' IN ROLE atlas_coach;
--   CREATE ROLE bernd LOGIN PASSWORD 'bitte-ändern' IN ROLE atlas_lead;
--   CREATE ROLE chris LOGIN PASSWORD 'bitte-ändern' IN ROLE atlas_readonly;
-- Another group later / andere Gruppe:  GRANT atlas_lead TO anna; REVOKE atlas_coach FROM anna;
-- Leaving the team / Ausscheiden:       DROP ROLE anna;
-- The program then connects with  postgresql+psycopg://anna@server/atlas?sslmode=require
