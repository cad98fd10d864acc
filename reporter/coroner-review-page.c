/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coroner-review-page.h"

#include <glib/gi18n.h>

#include "coroner-a11y.h"
#include "coroner-app-choice.h"
#include "coroner-format.h"
#include "coroner-page.h"

struct _CoronerReviewPage {
    GtkWidget parent_instance;
    CoronerReports *reports;
    CoronerCrash *crash;
    char *dsn;
    GBytes *envelope;        /* the exact bytes Send sends, rebuilt when the comment or a switch changes */
    GPtrArray *attachments;  /* CoronerSubmissionAttachment names the switches stand for */
    GHashTable *switched_off; /* attachment file names the user said no to */
    GPtrArray *dynamic_rows; /* rows added to the summary and attachments groups */
    char *sent_comment;      /* the comment that went with the report or after it */
    gboolean sending;

    GtkLabel *intro_label;
    AdwPreferencesGroup *summary_group;
    AdwPreferencesGroup *attachments_group;
    GtkTextView *comment_view;
    GtkEntry *email_entry;
    GtkCheckButton *always_check;
    GtkSpinner *spinner;
    GtkLabel *status_label;
    GtkButton *dont_send_button;
    GtkButton *send_button;
    GtkButton *comment_button;
    GtkTextView *preview_view;
};

G_DEFINE_FINAL_TYPE(CoronerReviewPage, coroner_review_page, GTK_TYPE_WIDGET)

static char *dup_comment(CoronerReviewPage *self)
{
    GtkTextBuffer *buffer = gtk_text_view_get_buffer(self->comment_view);
    GtkTextIter start, end;

    gtk_text_buffer_get_bounds(buffer, &start, &end);
    return g_strstrip(gtk_text_buffer_get_text(buffer, &start, &end, FALSE));
}

/* Sent, queued or rejected: the report is out of the user's hands, Send is gone for good. */
static gboolean is_out(CoronerReviewPage *self)
{
    CoronerReportState state = self->crash ? coroner_crash_get_state(self->crash) : CORONER_REPORT_NEW;

    return state == CORONER_REPORT_SENT || state == CORONER_REPORT_QUEUED || state == CORONER_REPORT_REJECTED;
}

static void set_status(CoronerReviewPage *self, const char *text, gboolean busy)
{
    gtk_label_set_text(self->status_label, text ? text : "");
    gtk_spinner_set_spinning(self->spinner, busy);
    gtk_widget_set_visible(GTK_WIDGET(self->spinner), busy);
}

/* A comment went with the report, or after it (kept in the state file across restarts). */
static gboolean commented(CoronerReviewPage *self)
{
    g_autofree char *note = coroner_state_get_note(coroner_reports_get_state(self->reports),
                                                   coroner_crash_get_id(self->crash), "Commented");

    return self->sent_comment != NULL || g_strcmp0(note, "yes") == 0;
}

static void set_commented(CoronerReviewPage *self, CoronerCrash *crash, char *comment)
{
    if (!*comment) {
        g_free(comment);
        return;
    }
    coroner_state_set_note(coroner_reports_get_state(self->reports), coroner_crash_get_id(crash), "Commented", "yes");
    if (self->crash == crash) {
        g_free(self->sent_comment);
        self->sent_comment = comment;
    } else {
        g_free(comment);
    }
}

/* After the report went out, a comment can follow it (as feedback on the same event). */
static void update_buttons(CoronerReviewPage *self)
{
    gboolean out = is_out(self);
    gboolean can_comment = FALSE;

    if (out && coroner_crash_get_state(self->crash) != CORONER_REPORT_REJECTED) {
        g_autofree char *comment = dup_comment(self);
        /* Sentry keeps one feedback per report (its id is derived from the report's). */
        can_comment = *comment && !commented(self);
    }
    gtk_widget_set_visible(GTK_WIDGET(self->send_button), !out);
    gtk_widget_set_visible(GTK_WIDGET(self->dont_send_button), !out);
    gtk_widget_set_sensitive(GTK_WIDGET(self->send_button), !self->sending && self->envelope != NULL);
    gtk_widget_set_sensitive(GTK_WIDGET(self->dont_send_button), !self->sending);
    gtk_widget_set_visible(GTK_WIDGET(self->comment_button), can_comment);
    gtk_widget_set_sensitive(GTK_WIDGET(self->comment_button), !self->sending);
}

static void clear_rows(CoronerReviewPage *self)
{
    for (guint i = 0; i < self->dynamic_rows->len; i++) {
        GtkWidget *row = g_ptr_array_index(self->dynamic_rows, i);
        GtkWidget *group = gtk_widget_get_ancestor(row, ADW_TYPE_PREFERENCES_GROUP);
        if (group)
            adw_preferences_group_remove(ADW_PREFERENCES_GROUP(group), row);
    }
    g_ptr_array_set_size(self->dynamic_rows, 0);
}

static GtkWidget *add_row(CoronerReviewPage *self, AdwPreferencesGroup *group, const char *title, const char *value)
{
    GtkWidget *row = adw_action_row_new();

    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title);
    adw_action_row_set_subtitle(ADW_ACTION_ROW(row), value);
    adw_preferences_row_set_use_markup(ADW_PREFERENCES_ROW(row), FALSE);
    gtk_widget_add_css_class(row, "property");
    adw_preferences_group_add(group, row);
    g_ptr_array_add(self->dynamic_rows, row);
    return row;
}

static void rebuild(CoronerReviewPage *self);

static void on_attachment_switched(GtkSwitch *widget, GParamSpec *pspec, gpointer data)
{
    CoronerReviewPage *self = data;
    const char *filename = g_object_get_data(G_OBJECT(widget), "filename");

    if (gtk_switch_get_active(widget))
        g_hash_table_remove(self->switched_off, filename);
    else
        g_hash_table_add(self->switched_off, g_strdup(filename));
    rebuild(self);
}

/* What, where, which frames, which journal lines, which files: in words, from the record and the envelope. */
static void render_summary(CoronerReviewPage *self, const CoronerCrashRecord *record, GBytes *envelope)
{
    g_autoptr(CoronerSubmissionContents) contents = coroner_submission_contents(envelope);
    g_autofree char *title = coroner_crash_dup_title(self->crash);
    g_autofree char *what = g_strdup_printf("%s: %s", title, coroner_format_signal_reason(record->signal.number));
    GString *frames = g_string_new(NULL);
    g_autofree char *lines = NULL;
    const CoronerThread *thread = record->threads && record->threads->len ? record->threads->pdata[0] : NULL;

    clear_rows(self);
    add_row(self, self->summary_group, _("What happened"), what);
    if (record->app && record->app->exception_type) {
        g_autofree char *exception = record->app->exception_what
                                         ? g_strdup_printf("%s: %s", record->app->exception_type,
                                                           record->app->exception_what)
                                         : g_strdup(record->app->exception_type);
        add_row(self, self->summary_group, _("Exception"), exception);
    }
    for (guint i = 0, shown = 0; thread && i < thread->frames->len && shown < 5; i++) {
        const CoronerFrame *frame = thread->frames->pdata[i];
        if (!frame->function)
            continue;
        g_string_append_printf(frames, "%s%s", shown ? " ← " : "", frame->function);
        shown++;
    }
    add_row(self, self->summary_group, _("Where in the program"),
            frames->len ? frames->str : _("No function names are known."));
    g_string_free(frames, TRUE);
    lines = contents->journal_lines
                ? g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u line of the system log from before the crash",
                                              "%u lines of the system log from before the crash",
                                              contents->journal_lines),
                                  contents->journal_lines)
                : g_strdup(_("None"));
    add_row(self, self->summary_group, _("System log"), lines);
    add_row(self, self->summary_group, _("Report id"), contents->event_id);

    /* One switch per file the application wanted sent; a file switched off is still listed. */
    for (guint i = 0; i < self->attachments->len; i++) {
        CoronerSubmissionAttachment *attachment = g_ptr_array_index(self->attachments, i);
        g_autofree char *size = g_format_size(attachment->size);
        GtkWidget *row = add_row(self, self->attachments_group, attachment->filename, size);
        GtkWidget *toggle = gtk_switch_new();

        gtk_widget_set_valign(toggle, GTK_ALIGN_CENTER);
        gtk_switch_set_active(GTK_SWITCH(toggle), !g_hash_table_contains(self->switched_off, attachment->filename));
        g_object_set_data_full(G_OBJECT(toggle), "filename", g_strdup(attachment->filename), g_free);
        g_signal_connect(toggle, "notify::active", G_CALLBACK(on_attachment_switched), self);
        adw_action_row_add_suffix(ADW_ACTION_ROW(row), toggle);
        adw_action_row_set_activatable_widget(ADW_ACTION_ROW(row), toggle);
        coroner_a11y_set_name(GTK_ACCESSIBLE(toggle), attachment->filename);
    }
    gtk_widget_set_visible(GTK_WIDGET(self->attachments_group), self->attachments->len > 0);
}

/*
 * "Show Exact Data" shows the envelope as it is queued and sent, byte for
 * byte (only its header's sent_at is set again when it leaves).  Binary
 * attachments cannot be shown as text: their bytes appear as U+FFFD.
 */
static void show_exact(CoronerReviewPage *self, GBytes *envelope)
{
    gsize size = 0;
    const char *data = envelope ? g_bytes_get_data(envelope, &size) : NULL;
    g_autofree char *text = data ? g_utf8_make_valid(data, (gssize)size) : g_strdup("");

    gtk_text_buffer_set_text(gtk_text_view_get_buffer(self->preview_view), text, -1);
}

/* The crash's store directory, where its stack core is for a minidump; NULL for a journal-only crash. */
static char *dup_store_path(CoronerCrash *crash)
{
    const char *record_path = coroner_crash_get_record_path(crash);

    return record_path ? g_path_get_dirname(record_path) : NULL;
}

static void rebuild(CoronerReviewPage *self)
{
    CoronerSubmission *submission;
    const CoronerCrashRecord *record;
    g_autoptr(GError) error = NULL;
    g_autofree char *comment = NULL;
    g_autoptr(GPtrArray) skip = g_ptr_array_new();
    g_autofree char *store_path = NULL;
    GHashTableIter iter;
    gpointer key;

    g_clear_pointer(&self->envelope, g_bytes_unref);
    if (!self->crash || !self->reports || is_out(self)) {
        update_buttons(self);
        return;
    }
    submission = coroner_reports_get_submission(self->reports);
    record = coroner_crash_load(self->crash, &error);
    if (!record || !submission || !self->dsn) {
        show_exact(self, NULL);
        update_buttons(self);
        return;
    }
    g_hash_table_iter_init(&iter, self->switched_off);
    while (g_hash_table_iter_next(&iter, &key, NULL))
        g_ptr_array_add(skip, key);
    g_ptr_array_add(skip, NULL);
    comment = dup_comment(self);
    store_path = dup_store_path(self->crash);
    self->envelope = coroner_submission_build(submission, record, store_path, self->dsn, comment,
                                              gtk_editable_get_text(GTK_EDITABLE(self->email_entry)),
                                              (const char *const *)skip->pdata, NULL, &error);
    if (!self->envelope) {
        g_autofree char *message = g_strdup_printf(_("The report cannot be made: %s"), error->message);
        gtk_text_buffer_set_text(gtk_text_view_get_buffer(self->preview_view), message, -1);
        update_buttons(self);
        return;
    }
    render_summary(self, record, self->envelope);
    show_exact(self, self->envelope);
    update_buttons(self);
}

/* Where the report goes, in the words of the DSN: its host and project. */
static void render_intro(CoronerReviewPage *self)
{
    const char *name = coroner_crash_get_app(self->crash)->name;
    g_autofree char *project = NULL;
    g_autofree char *host = coroner_submission_dsn_host(self->dsn, &project);
    g_autofree char *text = NULL;

    if (!host)
        /* Translators: %s is an application name */
        text = g_strdup_printf(_("Reports about %s cannot be sent from here."), name);
    else
        /* Translators: "… sent to sentry.example.org (project 42) for the developers of Text Editor …" */
        text = g_strdup_printf(_("This report goes to %s (project %s) for the developers of %s. It leaves your computer only when you press Send."),
                               host, project, name);
    gtk_label_set_text(self->intro_label, text);
}

/* What became of the report, with the event id the developers will find it under. */
static void render_outcome(CoronerReviewPage *self)
{
    g_autofree char *event_id = coroner_reports_get_event_id(self->reports, self->crash);
    g_autofree char *reason = coroner_state_get_note(coroner_reports_get_state(self->reports),
                                                     coroner_crash_get_id(self->crash), "Reason");
    g_autofree char *text = NULL;

    switch (coroner_crash_get_state(self->crash)) {
    case CORONER_REPORT_SENT:
        /* Translators: %s is the report's event id */
        text = g_strdup_printf(_("Sent as report %s. Thank you for helping to fix the problem."),
                               event_id ? event_id : "?");
        break;
    case CORONER_REPORT_QUEUED:
        text = reason ? g_strdup_printf(_("Queued as report %s: the server could not be reached (%s). It will be sent automatically."),
                                        event_id ? event_id : "?", reason)
                      : g_strdup_printf(_("Queued as report %s. It will be sent automatically."),
                                        event_id ? event_id : "?");
        break;
    case CORONER_REPORT_REJECTED:
        text = g_strdup_printf(_("The server rejected the report: %s"), reason ? reason : _("no reason given"));
        break;
    default:
        return;
    }
    set_status(self, text, FALSE);
}

void coroner_review_page_set_crash(CoronerReviewPage *self, CoronerCrash *crash)
{
    GSettings *settings = coroner_reports_get_settings(self->reports);
    g_autofree char *choice = NULL;
    g_autoptr(GError) error = NULL;
    const CoronerCrashRecord *record;

    g_set_object(&self->crash, crash);
    g_clear_pointer(&self->dsn, g_free);
    g_clear_pointer(&self->sent_comment, g_free);
    g_hash_table_remove_all(self->switched_off);
    g_ptr_array_set_size(self->attachments, 0);
    clear_rows(self);
    g_signal_handlers_block_by_func(gtk_text_view_get_buffer(self->comment_view), rebuild, self);
    gtk_text_buffer_set_text(gtk_text_view_get_buffer(self->comment_view), "", -1);
    gtk_editable_set_text(GTK_EDITABLE(self->email_entry), "");
    set_status(self, NULL, FALSE);
    choice = coroner_app_choice_get(settings, coroner_crash_get_app(crash)->key);
    gtk_check_button_set_active(self->always_check, g_strcmp0(choice, "always") == 0);

    self->dsn = coroner_reports_resolve_dsn(self->reports, crash, NULL);
    gtk_widget_set_sensitive(GTK_WIDGET(self->always_check), self->dsn != NULL);
    render_intro(self);
    /* The files the application wanted sent: from the report with nothing switched off. */
    record = coroner_crash_load(crash, &error);
    if (record && self->dsn && coroner_reports_get_submission(self->reports)) {
        g_autofree char *store_path = dup_store_path(crash);
        g_autoptr(GBytes) full = coroner_submission_build(coroner_reports_get_submission(self->reports), record,
                                                          store_path, self->dsn, NULL, NULL, NULL, NULL, NULL);
        if (full) {
            g_autoptr(CoronerSubmissionContents) contents = coroner_submission_contents(full);
            for (guint i = 0; i < contents->attachments->len; i++) {
                CoronerSubmissionAttachment *a = contents->attachments->pdata[i];
                CoronerSubmissionAttachment *copy = g_new0(CoronerSubmissionAttachment, 1);
                copy->filename = g_strdup(a->filename);
                copy->size = a->size;
                g_ptr_array_add(self->attachments, copy);
            }
        }
    }
    rebuild(self);
    render_outcome(self);
    g_signal_handlers_unblock_by_func(gtk_text_view_get_buffer(self->comment_view), rebuild, self);
}

void coroner_review_page_set_reports(CoronerReviewPage *self, CoronerReports *reports)
{
    g_set_object(&self->reports, reports);
}

void coroner_review_page_focus(CoronerReviewPage *self)
{
    gtk_widget_grab_focus(GTK_WIDGET(self->comment_view));
}

static void on_email_changed(GtkEditable *editable, gpointer data)
{
    rebuild(data);
}

/* What a Send was for: the page may have moved on to another crash when it ends. */
typedef struct {
    CoronerReviewPage *page;
    CoronerCrash *crash;
    char *comment; /* what went with it */
} SendContext;

static void send_context_free(SendContext *context)
{
    g_object_unref(context->page);
    g_object_unref(context->crash);
    g_free(context->comment);
    g_free(context);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SendContext, send_context_free)

static SendContext *send_context_new(CoronerReviewPage *self)
{
    SendContext *context = g_new0(SendContext, 1);

    context->page = g_object_ref(self);
    context->crash = g_object_ref(self->crash);
    context->comment = dup_comment(self);
    return context;
}

static void on_sent(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(SendContext) context = data;
    CoronerReviewPage *self = context->page;
    CoronerCrash *crash = context->crash;
    CoronerReports *reports = self->reports;
    CoronerSubmissionOutcome outcome = CORONER_SUBMISSION_QUEUED;
    g_autofree char *event_id = NULL;
    g_autofree char *reason = NULL;
    g_autoptr(GError) error = NULL;

    self->sending = FALSE;
    if (!reports)
        return;
    if (!coroner_submission_send_finish(coroner_reports_get_submission(reports), result, &outcome, &event_id, &reason,
                                        &error)) {
        g_autofree char *text = g_strdup_printf(_("The report could not be saved: %s"), error->message);
        set_status(self, text, FALSE);
        update_buttons(self);
        return;
    }
    coroner_reports_track_event(reports, crash, event_id);
    if (reason)
        coroner_state_set_note(coroner_reports_get_state(reports), coroner_crash_get_id(crash), "Reason", reason);
    coroner_reports_set_report_state(reports, crash,
                                     outcome == CORONER_SUBMISSION_SENT       ? CORONER_REPORT_SENT
                                     : outcome == CORONER_SUBMISSION_REJECTED ? CORONER_REPORT_REJECTED
                                                                              : CORONER_REPORT_QUEUED);
    if (outcome == CORONER_SUBMISSION_QUEUED)
        coroner_reports_flush_outbox(reports);
    set_commented(self, crash, g_steal_pointer(&context->comment));
    if (self->crash != crash)
        return;
    g_clear_pointer(&self->envelope, g_bytes_unref);
    render_outcome(self);
    update_buttons(self);
}

static void on_send(GtkButton *button, gpointer data)
{
    CoronerReviewPage *self = data;
    GSettings *settings = coroner_reports_get_settings(self->reports);
    const char *key;
    g_autofree char *choice = NULL;

    if (!self->envelope || self->sending || is_out(self))
        return;
    key = coroner_crash_get_app(self->crash)->key;
    choice = coroner_app_choice_get(settings, key);
    /* The box speaks for "always" only: a "never" chosen on the crash page stays unless the box is ticked. */
    if (gtk_check_button_get_active(self->always_check))
        coroner_app_choice_set(settings, key, "always");
    else if (g_strcmp0(choice, "always") == 0)
        coroner_app_choice_set(settings, key, NULL);
    self->sending = TRUE;
    update_buttons(self);
    set_status(self, _("Sending the report…"), TRUE);
    coroner_submission_send_async(coroner_reports_get_submission(self->reports), self->envelope, NULL, on_sent,
                                  send_context_new(self));
}

static void on_comment_sent(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(SendContext) context = data;
    CoronerReviewPage *self = context->page;
    CoronerSubmissionOutcome outcome = CORONER_SUBMISSION_QUEUED;
    g_autoptr(GError) error = NULL;
    g_autofree char *text = NULL;

    self->sending = FALSE;
    if (!self->reports || self->crash != context->crash)
        return;
    if (!coroner_submission_send_finish(coroner_reports_get_submission(self->reports), result, &outcome, NULL, NULL,
                                        &error)) {
        text = g_strdup_printf(_("The comment could not be saved: %s"), error->message);
    } else {
        set_commented(self, context->crash, g_steal_pointer(&context->comment));
        text = g_strdup(outcome == CORONER_SUBMISSION_SENT ? _("Your comment was sent with the report.")
                                                           : _("Your comment is queued and will follow the report."));
        if (outcome == CORONER_SUBMISSION_QUEUED)
            coroner_reports_flush_outbox(self->reports);
    }
    set_status(self, text, FALSE);
    update_buttons(self);
}

/* A comment after the report went out: feedback on the same event, never a second report. */
static void on_send_comment(GtkButton *button, gpointer data)
{
    CoronerReviewPage *self = data;
    g_autofree char *event_id = NULL;
    g_autofree char *comment = NULL;
    g_autoptr(GBytes) feedback = NULL;
    g_autoptr(GError) error = NULL;
    const CoronerCrashRecord *record;

    if (!self->crash || self->sending || !self->dsn)
        return;
    event_id = coroner_reports_get_event_id(self->reports, self->crash);
    comment = dup_comment(self);
    record = coroner_crash_load(self->crash, &error);
    if (record && event_id)
        feedback = coroner_submission_build_feedback(coroner_reports_get_submission(self->reports), record, self->dsn,
                                                     event_id, comment,
                                                     gtk_editable_get_text(GTK_EDITABLE(self->email_entry)), &error);
    if (!feedback) {
        g_autofree char *text =
            g_strdup_printf(_("The comment cannot be sent: %s"), error ? error->message : _("the report has no id"));
        set_status(self, text, FALSE);
        return;
    }
    self->sending = TRUE;
    update_buttons(self);
    set_status(self, _("Sending your comment…"), TRUE);
    coroner_submission_send_async(coroner_reports_get_submission(self->reports), feedback, NULL, on_comment_sent,
                                  send_context_new(self));
}

static void on_dont_send(GtkButton *button, gpointer data)
{
    CoronerReviewPage *self = data;

    if (self->crash && coroner_crash_get_state(self->crash) == CORONER_REPORT_NEW)
        coroner_reports_set_report_state(self->reports, self->crash, CORONER_REPORT_DISMISSED);
    gtk_widget_activate_action(GTK_WIDGET(self), "win.history", NULL);
}

static void coroner_review_page_dispose(GObject *object)
{
    CoronerReviewPage *self = CORONER_REVIEW_PAGE(object);

    g_clear_object(&self->crash);
    g_clear_pointer(&self->dsn, g_free);
    g_clear_pointer(&self->sent_comment, g_free);
    g_clear_pointer(&self->envelope, g_bytes_unref);
    g_clear_object(&self->reports);
    coroner_page_dispose_template(GTK_WIDGET(object), CORONER_TYPE_REVIEW_PAGE);
    G_OBJECT_CLASS(coroner_review_page_parent_class)->dispose(object);
}

static void coroner_review_page_finalize(GObject *object)
{
    CoronerReviewPage *self = CORONER_REVIEW_PAGE(object);

    g_ptr_array_unref(self->attachments);
    g_ptr_array_unref(self->dynamic_rows);
    g_hash_table_unref(self->switched_off);
    G_OBJECT_CLASS(coroner_review_page_parent_class)->finalize(object);
}

static void attachment_free(CoronerSubmissionAttachment *attachment)
{
    g_free(attachment->filename);
    g_free(attachment);
}

static void coroner_review_page_class_init(CoronerReviewPageClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    G_OBJECT_CLASS(klass)->dispose = coroner_review_page_dispose;
    G_OBJECT_CLASS(klass)->finalize = coroner_review_page_finalize;
    gtk_widget_class_set_template_from_resource(widget_class, "/org/coroner/Reporter/coroner-review-page.ui");
    gtk_widget_class_bind_template_child(widget_class, CoronerReviewPage, intro_label);
    gtk_widget_class_bind_template_child(widget_class, CoronerReviewPage, summary_group);
    gtk_widget_class_bind_template_child(widget_class, CoronerReviewPage, attachments_group);
    gtk_widget_class_bind_template_child(widget_class, CoronerReviewPage, comment_view);
    gtk_widget_class_bind_template_child(widget_class, CoronerReviewPage, email_entry);
    gtk_widget_class_bind_template_child(widget_class, CoronerReviewPage, always_check);
    gtk_widget_class_bind_template_child(widget_class, CoronerReviewPage, spinner);
    gtk_widget_class_bind_template_child(widget_class, CoronerReviewPage, status_label);
    gtk_widget_class_bind_template_child(widget_class, CoronerReviewPage, dont_send_button);
    gtk_widget_class_bind_template_child(widget_class, CoronerReviewPage, send_button);
    gtk_widget_class_bind_template_child(widget_class, CoronerReviewPage, comment_button);
    gtk_widget_class_bind_template_child(widget_class, CoronerReviewPage, preview_view);
}

static void coroner_review_page_init(CoronerReviewPage *self)
{
    self->attachments = g_ptr_array_new_with_free_func((GDestroyNotify)attachment_free);
    self->dynamic_rows = g_ptr_array_new();
    self->switched_off = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    gtk_widget_init_template(GTK_WIDGET(self));
    g_signal_connect_swapped(gtk_text_view_get_buffer(self->comment_view), "changed", G_CALLBACK(rebuild), self);
    g_signal_connect(self->email_entry, "changed", G_CALLBACK(on_email_changed), self);
    g_signal_connect(self->send_button, "clicked", G_CALLBACK(on_send), self);
    g_signal_connect(self->comment_button, "clicked", G_CALLBACK(on_send_comment), self);
    g_signal_connect(self->dont_send_button, "clicked", G_CALLBACK(on_dont_send), self);
}
