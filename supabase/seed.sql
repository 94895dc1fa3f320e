-- Local-only seed for `supabase db reset`. The default calendar row itself comes from the migrations
-- (every environment needs one), so this file only makes the demo calendar's name explicit.
update slotline.calendars set display_name = 'Slotline Demo' where name = 'default' and display_name is null;
