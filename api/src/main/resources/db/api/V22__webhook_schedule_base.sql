-- A redelivery keeps numbering attempts on (each one keeps its row in webhook_attempts) but starts
-- the retry schedule over: the dispatcher indexes the schedule by attempts - schedule_base.
alter table webhook_deliveries add column schedule_base integer not null default 0;
