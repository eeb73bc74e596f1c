-- One row per node: the record as nodes/NAME.json holds it (LEAP's keys; with "inherit", only what differs
-- from the parent), so that copying records between the file store and the database is exact.
CREATE TABLE flotilla_node (
  name       text PRIMARY KEY CHECK (name <> ''),
  record     jsonb NOT NULL CHECK (jsonb_typeof(record) = 'object'),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by text NOT NULL DEFAULT ''
);

COMMENT ON TABLE flotilla_node IS 'Flotilla node records: the VM each node is bound to and its create intent. Written by Flotilla only.';
