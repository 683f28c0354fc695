-- What this service knows of the exam catalog (from `exam.updated`): whether an exam's finished
-- attempts wait for a CSR's verdict or are verified by the system at once.
CREATE TABLE exams (
    code text PRIMARY KEY,
    verification_required boolean NOT NULL,
    updated_at timestamptz NOT NULL
);
