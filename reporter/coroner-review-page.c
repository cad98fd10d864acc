/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coroner-review-page.h"

#include <glib/gi18n.h>

#include "coroner-app-choice.h"

struct _CoronerReviewPage {
    GtkWidget parent_instance;
    CoronerReports *reports;
    CoronerCrash *crash;
    char *dsn;
    GBytes *envelope;  /* the exact bytes Send sends, rebuilt when the comment changes */
    gboolean sending;

    GtkLabel *intro_label;
    GtkTextView *comment_view;
    GtkEntry *email_entry;
    GtkCheckButton *always_check;
    GtkSpinner *spinner;
    GtkLabel *status_label;
    GtkButton *dont_send_button;
    GtkButton *send_button;
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

static void rebuild(CoronerReviewPage *self)
{
    CoronerSubmission *submission;
    const CoronerCrashRecord *record;
    g_autoptr(GError) error = NULL;
    g_autofree char *comment = NULL;
    g_autofree char *description = NULL;
    g_autofree char *store_path = NULL;
    const char *record_path;
    GtkTextBuffer *preview = gtk_text_view_get_buffer(self->preview_view);

    g_clear_pointer(&self->envelope, g_bytes_unref);
    if (!self->crash || !self->reports)
        return;
    submission = coroner_reports_get_submission(self->reports);
    record = coroner_crash_load(self->crash, &error);
    if (!record || !submission || !self->dsn) {
        gtk_text_buffer_set_text(preview, "", -1);
        gtk_widget_set_sensitive(GTK_WIDGET(self->send_button), FALSE);
        return;
    }
    comment = dup_comment(self);
    record_path = coroner_crash_get_record_path(self->crash);
    store_path = record_path ? g_path_get_dirname(record_path) : NULL;
    self->envelope = coroner_submission_build(submission, record, store_path, self->dsn, comment,
                                              gtk_editable_get_text(GTK_EDITABLE(self->email_entry)), NULL, &error);
    if (!self->envelope) {
        g_autofree char *message = g_strdup_printf(_("The report cannot be made: %s"), error->message);
        gtk_text_buffer_set_text(preview, message, -1);
        gtk_widget_set_sensitive(GTK_WIDGET(self->send_button), FALSE);
        return;
    }
    description = coroner_submission_describe(self->envelope);
    gtk_text_buffer_set_text(preview, description, -1);
    gtk_widget_set_sensitive(GTK_WIDGET(self->send_button),
                             !self->sending && coroner_crash_get_state(self->crash) != CORONER_REPORT_SENT &&
                                 coroner_crash_get_state(self->crash) != CORONER_REPORT_REJECTED);
}

static void set_status(CoronerReviewPage *self, const char *text, gboolean busy)
{
    gtk_label_set_text(self->status_label, text ? text : "");
    gtk_spinner_set_spinning(self->spinner, busy);
    gtk_widget_set_visible(GTK_WIDGET(self->spinner), busy);
}

void coroner_review_page_set_crash(CoronerReviewPage *self, CoronerCrash *crash)
{
    GSettings *settings = coroner_reports_get_settings(self->reports);
    g_autoptr(GError) error = NULL;
    g_autofree char *choice = NULL;

    g_set_object(&self->crash, crash);
    g_clear_pointer(&self->dsn, g_free);
    gtk_text_buffer_set_text(gtk_text_view_get_buffer(self->comment_view), "", -1);
    gtk_editable_set_text(GTK_EDITABLE(self->email_entry), "");
    set_status(self, NULL, FALSE);
    choice = coroner_app_choice_get(settings, coroner_crash_get_app(crash)->key);
    gtk_check_button_set_active(self->always_check, g_strcmp0(choice, "always") == 0);

    self->dsn = coroner_reports_resolve_dsn(self->reports, crash, &error);
    if (!self->dsn) {
        g_autofree char *text = g_strdup_printf(
            _("Reports about %s cannot be sent: nobody has been set up to receive them (%s). You can still copy the backtrace from the previous page."),
            coroner_crash_get_app(crash)->name, error ? error->message : _("no reporting address"));
        gtk_label_set_text(self->intro_label, text);
        gtk_widget_set_sensitive(GTK_WIDGET(self->always_check), FALSE);
    } else {
        g_autofree char *text = g_strdup_printf(
            _("The report below is exactly what will be sent to the developers of %s. It leaves your computer only when you press Send."),
            coroner_crash_get_app(crash)->name);
        gtk_label_set_text(self->intro_label, text);
        gtk_widget_set_sensitive(GTK_WIDGET(self->always_check), TRUE);
    }
    rebuild(self);
    switch (coroner_crash_get_state(crash)) {
    case CORONER_REPORT_SENT:
        set_status(self, _("This report was already sent."), FALSE);
        gtk_widget_set_sensitive(GTK_WIDGET(self->send_button), FALSE);
        break;
    case CORONER_REPORT_QUEUED:
        set_status(self, _("This report is queued and will be sent when the server can be reached."), FALSE);
        break;
    default:
        break;
    }
}

void coroner_review_page_set_reports(CoronerReviewPage *self, CoronerReports *reports)
{
    g_set_object(&self->reports, reports);
}

void coroner_review_page_focus(CoronerReviewPage *self)
{
    gtk_widget_grab_focus(GTK_WIDGET(self->comment_view));
}

static void on_comment_changed(GtkTextBuffer *buffer, gpointer data)
{
    rebuild(data);
}

static void on_email_changed(GtkEditable *editable, gpointer data)
{
    rebuild(data);
}

/* What a Send was for: the page may have moved on to another crash when it ends. */
typedef struct {
    CoronerReviewPage *page;
    CoronerCrash *crash;
} SendContext;

static void send_context_free(SendContext *context)
{
    g_object_unref(context->page);
    g_object_unref(context->crash);
    g_free(context);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SendContext, send_context_free)

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
    g_autofree char *text = NULL;

    self->sending = FALSE;
    gtk_widget_set_sensitive(GTK_WIDGET(self->send_button), TRUE);
    gtk_widget_set_sensitive(GTK_WIDGET(self->dont_send_button), TRUE);
    if (!reports)
        return;
    if (!coroner_submission_send_finish(coroner_reports_get_submission(reports), result, &outcome, &event_id, &reason,
                                        &error)) {
        text = g_strdup_printf(_("The report could not be saved: %s"), error->message);
        set_status(self, text, FALSE);
        return;
    }
    coroner_reports_track_event(reports, crash, event_id);
    switch (outcome) {
    case CORONER_SUBMISSION_SENT:
        /* Done: sending the same report again would only repeat it. */
        gtk_widget_set_sensitive(GTK_WIDGET(self->send_button), FALSE);
        coroner_reports_set_report_state(reports, crash, CORONER_REPORT_SENT);
        set_status(self, _("Sent. Thank you for helping to fix the problem."), FALSE);
        break;
    case CORONER_SUBMISSION_REJECTED:
        gtk_widget_set_sensitive(GTK_WIDGET(self->send_button), FALSE);
        coroner_reports_set_report_state(reports, crash, CORONER_REPORT_REJECTED);
        coroner_state_set_note(coroner_reports_get_state(reports), coroner_crash_get_id(crash), "Reason", reason);
        text = g_strdup_printf(_("The server rejected the report: %s"), reason ? reason : _("no reason given"));
        set_status(self, text, FALSE);
        break;
    case CORONER_SUBMISSION_QUEUED:
    default:
        coroner_reports_set_report_state(reports, crash, CORONER_REPORT_QUEUED);
        text = reason ? g_strdup_printf(_("Queued for later: the server could not be reached (%s). It will be sent automatically."), reason)
                      : g_strdup(_("Queued for later. It will be sent automatically."));
        set_status(self, text, FALSE);
        coroner_reports_flush_outbox(reports);
        break;
    }
}

static void on_send(GtkButton *button, gpointer data)
{
    CoronerReviewPage *self = data;
    GSettings *settings = coroner_reports_get_settings(self->reports);
    const char *key;
    g_autofree char *choice = NULL;

    if (!self->envelope || self->sending)
        return;
    key = coroner_crash_get_app(self->crash)->key;
    choice = coroner_app_choice_get(settings, key);
    /* The box speaks for "always" only: a "never" chosen on the crash page stays unless the box is ticked. */
    if (gtk_check_button_get_active(self->always_check))
        coroner_app_choice_set(settings, key, "always");
    else if (g_strcmp0(choice, "always") == 0)
        coroner_app_choice_set(settings, key, NULL);
    self->sending = TRUE;
    gtk_widget_set_sensitive(GTK_WIDGET(self->send_button), FALSE);
    gtk_widget_set_sensitive(GTK_WIDGET(self->dont_send_button), FALSE);
    set_status(self, _("Sending the report…"), TRUE);
    SendContext *context = g_new0(SendContext, 1);
    context->page = g_object_ref(self);
    context->crash = g_object_ref(self->crash);
    coroner_submission_send_async(coroner_reports_get_submission(self->reports), self->envelope, NULL, on_sent, context);
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
    g_clear_pointer(&self->envelope, g_bytes_unref);
    g_clear_object(&self->reports);
    gtk_widget_dispose_template(GTK_WIDGET(self), CORONER_TYPE_REVIEW_PAGE);
    /* The template's root is not a bound child: unparent it ourselves. */
    for (GtkWidget *child; (child = gtk_widget_get_first_child(GTK_WIDGET(object)));)
        gtk_widget_unparent(child);
    G_OBJECT_CLASS(coroner_review_page_parent_class)->dispose(object);
}

static void coroner_review_page_class_init(CoronerReviewPageClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    G_OBJECT_CLASS(klass)->dispose = coroner_review_page_dispose;
    gtk_widget_class_set_template_from_resource(widget_class, "/org/coroner/Reporter/coroner-review-page.ui");
    gtk_widget_class_bind_template_child(widget_class, CoronerReviewPage, intro_label);
    gtk_widget_class_bind_template_child(widget_class, CoronerReviewPage, comment_view);
    gtk_widget_class_bind_template_child(widget_class, CoronerReviewPage, email_entry);
    gtk_widget_class_bind_template_child(widget_class, CoronerReviewPage, always_check);
    gtk_widget_class_bind_template_child(widget_class, CoronerReviewPage, spinner);
    gtk_widget_class_bind_template_child(widget_class, CoronerReviewPage, status_label);
    gtk_widget_class_bind_template_child(widget_class, CoronerReviewPage, dont_send_button);
    gtk_widget_class_bind_template_child(widget_class, CoronerReviewPage, send_button);
    gtk_widget_class_bind_template_child(widget_class, CoronerReviewPage, preview_view);
}

static void coroner_review_page_init(CoronerReviewPage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    g_signal_connect(gtk_text_view_get_buffer(self->comment_view), "changed", G_CALLBACK(on_comment_changed), self);
    g_signal_connect(self->email_entry, "changed", G_CALLBACK(on_email_changed), self);
    g_signal_connect(self->send_button, "clicked", G_CALLBACK(on_send), self);
    g_signal_connect(self->dont_send_button, "clicked", G_CALLBACK(on_dont_send), self);
}
