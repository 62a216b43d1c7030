/* SPDX-License-Identifier: Apache-2.0 */
/* The replies mandat sends, in French and English: short enough for one SMS where possible, and
 * each says what to do next. printf formats; arguments are documented per message. French uses
 * only accented letters of the GSM 7-bit alphabet (é è à ù) where it can, so that a reply stays
 * one 160-character SMS instead of a 70-character UCS-2 one. */
#ifndef MDT_DIALOG_TEXT_H
#define MDT_DIALOG_TEXT_H

#include "base/money.h"

/* X(name, french, english) */
#define DIALOG_TEXT_MAP(X)                                                                         \
    /* %s the link to set the code */                                                              \
    X(WELCOME,                                                                                     \
      "Bienvenue sur mandat ! Choisissez votre code secret à 6 chiffres sur %s (ou répondez "    \
      "CODE suivi du code).",                                                                      \
      "Welcome to mandat! Choose your 6-digit secret code at %s (or reply CODE and the code).")    \
    X(ALREADY_JOINED, "Vous avez déjà un compte mandat. Tapez AIDE pour les commandes.",           \
      "You already have a mandat account. Text HELP for the commands.")                            \
    X(NOT_JOINED, "Pas encore de compte mandat pour ce numéro : repondez INSCRIPTION.",            \
      "No mandat account for this number yet: reply JOIN.")                                        \
    X(CODE_SET,                                                                                    \
      "Code enregistré. Gardez-le secret : mandat ne vous le demandera jamais par "               \
      "téléphone. Essayez SOLDE.",                                                                 \
      "Code saved. Keep it secret: mandat will never ask for it by phone. Try BAL.")               \
    X(CODE_NEEDED, "Choisissez d'abord votre code : répondez CODE suivi de 6 chiffres.",           \
      "Choose your code first: reply CODE and 6 digits.")                                          \
    /* %s balance */                                                                               \
    X(BALANCE, "Solde : %s. ENVOI 10 0612345678 pour envoyer.",                                    \
      "Balance: %s. SEND 10 +33612345678 to send money.")                                          \
    X(HELP, "ENVOI montant numero | DON montant ASSO | SOLDE | ANNULER | CODE 123456 | LANG EN",   \
      "SEND amount number | GIVE amount CHARITY | BAL | CANCEL | CODE 123456 | LANG FR")           \
    /* %s amount, %s payee (masked), %s ref */                                                     \
    X(CONFIRM_SEND, "Envoyer %s à %s ? Répondez avec votre code sous 5 min. Ref %s",               \
      "Send %s to %s? Reply with your code within 5 min. Ref %s")                                  \
    /* %s amount, %s association, %s ref */                                                        \
    X(CONFIRM_DONATE, "Donner %s à %s ? Répondez avec votre code sous 5 min. Ref %s",              \
      "Give %s to %s? Reply with your code within 5 min. Ref %s")                                  \
    /* %s amount, %s payee, %s new balance */                                                      \
    X(SENT, "Envoyé : %s à %s. Nouveau solde : %s.", "Sent: %s to %s. New balance: %s.")           \
    /* %s amount, %s payer (masked), %s new balance */                                             \
    X(RECEIVED, "%s de %s arrivés sur votre compte. Nouveau solde : %s.",                          \
      "You received %s from %s. New balance: %s.")                                                 \
    /* %s amount, %s association, %s new balance */                                                \
    X(DONATED, "Merci ! Don de %s à %s effectué. Nouveau solde : %s.",                             \
      "Thank you! %s given to %s. New balance: %s.")                                               \
    /* %u tries left */                                                                            \
    X(WRONG_CODE, "Code incorrect. Encore %u essai(s), ou ANNULER.",                               \
      "Wrong code. %u more try(ies), or CANCEL.")                                                  \
    /* %u minutes */                                                                               \
    X(LOCKED_NOW, "Code erroné 5 fois : ordre annulé, code bloqué %u min.",                        \
      "5 wrong codes: order cancelled, code locked for %u min.")                                   \
    X(LOCKED, "Code bloqué pour l'instant : réessayez plus tard.",                                 \
      "Code locked for now: try again later.")                                                     \
    X(NO_ORDER, "Aucun ordre en attente. ENVOI 10 0612345678 pour envoyer.",                       \
      "No order waiting. SEND 10 +33612345678 to send money.")                                     \
    X(ORDER_WAITING, "Un ordre attend votre code : repondez avec le code, ou ANNULER.",            \
      "An order is waiting for your code: reply with the code, or CANCEL.")                        \
    X(CANCELLED, "Ordre annulé, rien n'a été débité.", "Order cancelled, nothing was taken.")      \
    X(EXPIRED, "Ordre expiré (5 min) : rien n'a été débité. Recommencez.",                         \
      "Order expired (5 min): nothing was taken. Start again.")                                    \
    /* %s payee (masked) */                                                                        \
    X(PAYEE_UNKNOWN, "%s n'a pas de compte mandat : invitez-le à écrire INSCRIPTION au 71004.",    \
      "%s has no mandat account: ask them to text JOIN to 71004.")                                 \
    X(PAYEE_SELF, "Vous ne pouvez pas vous envoyer de l'argent.", "You cannot send to yourself.")  \
    /* %s keyword */                                                                               \
    X(CHARITY_UNKNOWN, "Association %s inconnue. Vérifiez le mot-clé.",                            \
      "Unknown charity %s. Check the keyword.")                                                    \
    /* %s available */                                                                             \
    X(NO_FUNDS, "Solde insuffisant (disponible : %s). Rechargez ou envoyez moins.",                \
      "Not enough money (available: %s). Top up or send less.")                                    \
    X(LIMIT, "Plafond atteint pour ce compte : envoyez moins ou faites vérifier votre identité.",  \
      "Limit reached for this account: send less or get your identity verified.")                  \
    X(FROZEN, "Compte bloqué : contactez le service client.",                                      \
      "Account frozen: contact customer service.")                                                 \
    /* %s ledger reason */                                                                         \
    X(REFUSED, "Opération refusée (%s).", "Operation refused (%s).")                               \
    X(RELOAD_SOON, "La recharge de carte par SMS arrive bientot.",                                 \
      "Card reload by SMS is coming soon.")                                                        \
    /* %s the movements, newest first */                                                           \
    X(HISTORY, "Dernières opérations : %s", "Last operations: %s")                                 \
    X(HISTORY_EMPTY, "Aucune opération pour l'instant. SOLDE donne votre solde.",                  \
      "No operations yet. BAL gives your balance.")                                                \
    X(LANG_SET, "Langue : français.", "Language: English.")                                        \
    X(BUSY, "Un instant : votre message précédent est en cours.",                                  \
      "One moment: your previous message is being handled.")                                       \
    /* %s amount, %s payee (masked), %s period, %s ref */                                          \
    X(CONFIRM_SEND_NEW,                                                                            \
      "Envoyer %s à %s (sans compte : gardé %s pour lui, sinon rendu) ? Répondez avec votre "   \
      "code sous 5 min. Ref %s",                                                                   \
      "Send %s to %s (no account yet: kept %s for them, else returned)? Reply with your code "     \
      "within 5 min. Ref %s")                                                                      \
    /* %s amount, %s payee (masked), %s period, %s new balance */                                  \
    X(HELD, "Envoyé : %s à %s, gardé %s le temps de son inscription. Nouveau solde : %s.",         \
      "Sent: %s to %s, kept %s until they join. New balance: %s.")                                 \
    /* %s payer (masked), %s amount, %s period */                                                  \
    X(HELD_FOR_YOU,                                                                                \
      "%s vous envoie %s avec mandat. Répondez INSCRIPTION sous %s pour le recevoir.",             \
      "%s sent you %s with mandat. Reply JOIN within %s to collect it.")                           \
    /* %s payee (masked), %s amount */                                                             \
    X(COLLECTED, "%s s'est inscrit et a reçu vos %s.", "%s joined and collected your %s.")         \
    /* %s amount, %s payee (masked), %s new balance */                                             \
    X(RETURNED, "%s pour %s non retirés : ils sont revenus sur votre compte. Nouveau solde : %s.", \
      "%s for %s was not collected: it is back on your account. New balance: %s.")                 \
    /* %s amount, %s period */                                                                     \
    X(CLAIM_REFUSED,                                                                               \
      "%s vous attendent mais votre compte ne peut pas les recevoir (plafond). Faites vérifier "  \
      "votre identité sous %s.",                                                                   \
      "%s is waiting for you but your account cannot take it (limit). Get your identity "          \
      "verified within %s.")                                                                       \
    /* %s merchant, %s amount, %s reference, %s link, %s ref */                                    \
    X(PAY_ASK,                                                                                     \
      "%s demande %s (%s). Répondez avec votre code pour payer, ANNULER pour refuser, ou "        \
      "ouvrez %s Ref %s",                                                                          \
      "%s asks %s (%s). Reply with your code to pay, CANCEL to decline, or open %s Ref %s")        \
    /* %s merchant, %s amount, %s reference, %s link */                                            \
    X(PAY_ASK_LINK, "%s demande %s (%s). Pour payer, ouvrez %s",                                   \
      "%s asks %s (%s). To pay, open %s")                                                          \
    /* %s amount, %s merchant, %s reference, %s new balance */                                     \
    X(PAID, "Payé : %s à %s (%s). Nouveau solde : %s.", "Paid: %s to %s (%s). New balance: %s.")   \
    /* %s merchant, %s amount */                                                                   \
    X(PAY_DECLINED, "Demande de %s (%s) refusée : rien n'a été débité.",                           \
      "Request from %s (%s) declined: nothing was taken.")                                         \
    /* %s merchant, %s amount */                                                                   \
    X(PAY_CANCELLED, "%s a retiré sa demande de %s : rien n'a été débité.",                        \
      "%s withdrew its request for %s: nothing was taken.")                                        \
    /* %s merchant, %s amount */                                                                   \
    X(PAY_EXPIRED, "Demande de %s (%s) expirée : rien n'a été débité.",                            \
      "Request from %s (%s) expired: nothing was taken.")                                          \
    /* %s merchant, %s amount, %s reference, %s new balance */                                     \
    X(REFUNDED, "%s vous rembourse %s (%s). Nouveau solde : %s.",                                  \
      "%s refunded you %s (%s). New balance: %s.")                                                 \
    /* Social posts. %s the account ("@alice"), %s the link */                                     \
    X(SOCIAL_LINK, "Pour relier %s à un compte mandat, ouvrez ce lien (30 min) : %s",              \
      "To link %s to a mandat wallet, open this link (30 min): %s")                                \
    /* %s the account, %s the masked number */                                                     \
    X(SOCIAL_ALREADY_LINKED, "%s est déjà relié au compte mandat %s.",                             \
      "%s is already linked to the mandat wallet %s.")                                             \
    /* %s our handle */                                                                            \
    X(SOCIAL_NOT_LINKED, "Reliez d'abord ce compte à mandat : écrivez « %s ouvrir ».",             \
      "Link this account to mandat first: post \"%s open\".")                                      \
    /* %s amount, %s payee, %s link, %s reference */                                               \
    X(SOCIAL_CONFIRM_SEND, "Envoyer %s à %s ? Confirmez avec votre code sous 5 min : %s (réf %s)", \
      "Send %s to %s? Confirm with your code within 5 min: %s (ref %s)")                           \
    X(SOCIAL_CONFIRM_DONATE,                                                                       \
      "Donner %s à %s ? Confirmez avec votre code sous 5 min : %s (réf %s)",                       \
      "Give %s to %s? Confirm with your code within 5 min: %s (ref %s)")                           \
    /* %s amount, %s payee, %s period, %s link, %s reference */                                    \
    X(SOCIAL_CONFIRM_SEND_NEW,                                                                     \
      "Envoyer %s à %s (sans compte : gardé %s pour lui, sinon rendu) ? Confirmez avec votre "   \
      "code : %s (réf %s)",                                                                        \
      "Send %s to %s (no wallet yet: kept %s for them, else returned)? Confirm with your code: "   \
      "%s (ref %s)")                                                                               \
    /* %s the payer, %s our handle, %s period */                                                   \
    X(SOCIAL_INVITE,                                                                               \
      "%s vous envoie de l'argent avec mandat. Pour le recevoir, écrivez « %s ouvrir » sous %s.",  \
      "%s is sending you money with mandat. To collect it, post \"%s open\" within %s.")           \
    /* %s link to set a new code */                                                                \
    X(SOCIAL_LEAK,                                                                                 \
      "Votre code mandat est apparu dans un message public : il ne marche plus. Choisissez-en un " \
      "nouveau : %s",                                                                              \
      "Your mandat code appeared in a public post, so it no longer works. Choose a new one: %s")   \
    X(SOCIAL_NO_CODE,                                                                              \
      "Ne publiez jamais votre code : confirmez sur la page du lien reçu en message privé.",       \
      "Never post your code: confirm on the page linked in our private message.")                  \
    /* %s the account */                                                                           \
    X(SOCIAL_LINKED, "C'est fait : %s est relié à votre compte mandat.",                           \
      "Done: %s is linked to your mandat wallet.")                                                 \
    /* SMS to the number: %s the account */                                                        \
    X(SOCIAL_LINK_NOTICE,                                                                          \
      "Votre numéro est relié au compte %s. Si ce n'est pas vous, répondez AIDE.",                 \
      "Your number is now linked to the account %s. If this was not you, reply HELP.")             \
    /* SMS: %s the one-time code, %s the account */                                                \
    X(SOCIAL_OTP,                                                                                  \
      "Code de vérification mandat : %s, pour relier %s (10 min). Ne le donnez à personne.",       \
      "mandat verification code: %s, to link %s (10 min). Never share it.")                        \
    X(SOCIAL_HELP,                                                                                 \
      "Mentionnez-nous avec « envoie 10€ à @ami », « don 5€ #ASSO », « solde » ou « annuler ».",   \
      "Mention us with \"send €10 to @friend\", \"give €5 #CHARITY\", \"balance\" or \"cancel\".") \
    /* The code is knowledge (DESIGN.md): set once, changed with the current code, reset only */   \
    /* after an announced delay. */                                                                \
    X(CODE_ALREADY_SET,                                                                            \
      "Vous avez déjà un code : rien n'a changé. Pour le changer : CODE ancien nouveau. "       \
      "Oublié ? Répondez CODE OUBLIE.",                                                            \
      "You already have a code: nothing changed. To change it: CODE old new. Forgotten? "          \
      "Reply CODE FORGOT.")                                                                        \
    X(CODE_CHANGED, "Code changé. Gardez-le secret : mandat ne vous le demandera jamais.",         \
      "Code changed. Keep it secret: mandat will never ask for it.")                               \
    X(CODE_CHANGED_RESET_OFF,                                                                      \
      "Code changé et réinitialisation annulée : les paiements sont de nouveau possibles.",        \
      "Code changed and reset cancelled: payments work again.")                                    \
    /* %u tries left */                                                                            \
    X(CODE_WRONG_OLD,                                                                              \
      "Code actuel incorrect : rien n'a changé. Encore %u essai(s) avant blocage. "               \
      "Oublié ? CODE OUBLIE",                                                                      \
      "Current code wrong: nothing changed. %u more try(ies) before it locks. "                    \
      "Forgotten? CODE FORGOT")                                                                    \
    /* %u minutes */                                                                               \
    X(CODE_LOCKED_NOW, "Trop de codes erronés : rien n'a changé, code bloqué %u min.",             \
      "Too many wrong codes: nothing changed, code locked for %u min.")                            \
    /* %u minutes left */                                                                          \
    X(CODE_LOCKED_LEFT,                                                                            \
      "Code bloqué encore %u min après trop d'erreurs : rien n'a changé. Réessayez ensuite.",      \
      "Code locked for %u more min after too many wrong codes: nothing changed. Try again then.")  \
    X(CODE_BY_SMS,                                                                                 \
      "Votre code se gère par SMS depuis votre numéro : CODE ancien nouveau, ou CODE OUBLIE.",     \
      "Manage your code by SMS from your number: CODE old new, or CODE FORGOT.")                   \
    /* %s when it takes effect (UTC) */                                                            \
    X(RESET_STARTED,                                                                               \
      "Réinitialisation du code demandée : effective le %s UTC. D'ici là, aucun paiement ne "   \
      "part de ce compte (l'argent reçu arrive toujours). Pas vous ? Répondez CODE GARDER et "   \
      "votre code, ou appelez le service client.",                                                 \
      "Code reset requested: it takes effect on %s UTC. Until then no payment leaves this "        \
      "wallet (money sent to you still arrives). Not you? Reply CODE KEEP and your code, or "      \
      "call customer service.")                                                                    \
    /* %s when it takes effect (UTC) */                                                            \
    X(RESET_ALREADY,                                                                               \
      "Réinitialisation déjà en cours, effective le %s UTC. Code retrouvé ? "                  \
      "CODE GARDER et le code.",                                                                   \
      "A code reset is already under way, effective on %s UTC. Remembered it? CODE KEEP and "      \
      "the code.")                                                                                 \
    /* %s when the reset takes effect (UTC) */                                                     \
    X(RESET_BLOCKS,                                                                                \
      "Paiements suspendus jusqu'au %s UTC : réinitialisation du code en cours. Code retrouvé "  \
      "? CODE GARDER et le code.",                                                                 \
      "Payments are suspended until %s UTC: a code reset is under way. Remembered it? CODE "       \
      "KEEP and the code.")                                                                        \
    /* %s when the reset takes effect (UTC) */                                                     \
    X(RESET_NOT_YET,                                                                               \
      "Réinitialisation en cours : vous choisirez un nouveau code à partir du %s UTC. Vous "     \
      "avez l'ancien ? CODE ancien nouveau.",                                                      \
      "Code reset under way: you can choose a new code from %s UTC. Have the old one? CODE "       \
      "old new.")                                                                                  \
    X(RESET_DONE,                                                                                  \
      "Réinitialisation effectuée : votre ancien code ne marche plus. Choisissez-en un "         \
      "nouveau : répondez CODE suivi de 6 chiffres.",                                              \
      "Code reset done: your old code no longer works. Choose a new one: reply CODE and 6 "        \
      "digits.")                                                                                   \
    X(RESET_DONE_OPERATOR,                                                                         \
      "Notre service client a validé la réinitialisation de votre code : l'ancien ne marche "    \
      "plus. Choisissez-en un nouveau : répondez CODE suivi de 6 chiffres.",                       \
      "Customer service approved your code reset: the old code no longer works. Choose a new "     \
      "one: reply CODE and 6 digits.")                                                             \
    X(RESET_KEPT,                                                                                  \
      "Réinitialisation annulée : votre code reste le même et les paiements sont de nouveau "   \
      "possibles.",                                                                                \
      "Code reset cancelled: your code stays the same and payments work again.")                   \
    X(RESET_CANCELLED_OPERATOR,                                                                    \
      "Notre service client a annulé la réinitialisation de votre code : il reste le même et "  \
      "les paiements sont de nouveau possibles.",                                                  \
      "Customer service cancelled your code reset: your code stays the same and payments "         \
      "work again.")                                                                               \
    X(RESET_NONE, "Aucune réinitialisation en cours : votre code reste le même.",                  \
      "No code reset under way: your code stays the same.")                                        \
    /* The web pages' notes when a step cannot start. A lost link's page does not know the         \
     * person's language: both, French first. */                                                   \
    X(PAGE_LINK_GONE,                                                                              \
      "Ce lien ne sert plus : demandez-en un nouveau. This link is not valid any more.",           \
      "Ce lien ne sert plus : demandez-en un nouveau. This link is not valid any more.")           \
    X(PAGE_ORDER_GONE, "Cet ordre n'attend plus de code. This order is not waiting any more.",     \
      "Cet ordre n'attend plus de code. This order is not waiting any more.")                      \
    X(PAGE_BUSY, "Un instant : réessayez.", "One moment: try again.")                              \
    X(PAGE_NO_RANDOM, "Incident passager : réessayez.", "A passing fault: try again.")             \
    X(PAGE_PHONE_FIRST, "Donnez d'abord votre numéro de mobile.",                                  \
      "Give your mobile number first.")                                                            \
    X(PAGE_OTP_EXPIRED, "Le code de vérification a expiré : demandez-en un nouveau.",              \
      "The verification code expired: ask for a new one.")                                         \
    /* %s a national number as people write it (phone_example) */                                  \
    X(PAGE_PHONE_BAD, "Numéro de mobile non reconnu : écrivez-le comme %s.",                       \
      "Mobile number not recognised: write it like %s.")                                           \
    /* %u tries left */                                                                            \
    X(PAGE_WRONG_OTP, "Code de vérification incorrect. Encore %u essai(s).",                       \
      "Wrong verification code. %u more try(ies).")                                                \
    /* %u tries left */                                                                            \
    X(PAGE_WRONG_CODE, "Code du compte incorrect. Encore %u essai(s).",                            \
      "Wrong wallet code. %u more try(ies).")

enum dialog_text {
#define DIALOG_TEXT_ENUM_(n, fr, en) TEXT_##n,
    DIALOG_TEXT_MAP(DIALOG_TEXT_ENUM_)
#undef DIALOG_TEXT_ENUM_
        TEXT_COUNT
};

/* The format of reply t in lang. Static storage. */
const char *dialog_text(enum dialog_text t, enum lang lang);

#endif
