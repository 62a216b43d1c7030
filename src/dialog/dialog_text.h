/* SPDX-License-Identifier: Apache-2.0 */
/* The replies mandat sends, in French and English: short enough for one SMS where possible, and
 * each says what to do next. printf formats; arguments are documented per message. French uses
 * only accented letters of the GSM 7-bit alphabet (é è à ù) where it can, so that a reply stays
 * one 160-character SMS instead of a 70-character UCS-2 one. */
#ifndef MDT_DIALOG_TEXT_H
#define MDT_DIALOG_TEXT_H

#include "base/money.h"

/* X(name, french, english) */
#define DIALOG_TEXT_MAP(X)                                                                           \
    /* %s the link to set the code */                                                                \
    X(WELCOME,                                                                                       \
      "Bienvenue ! Choisissez votre code mandat à 6 chiffres sur %s ou répondez CODE et le code.",   \
      "Welcome to mandat! Choose your 6-digit code at %s or reply CODE and the code.")               \
    X(ALREADY_JOINED, "Vous avez déjà un compte mandat. Tapez AIDE pour les commandes.",             \
      "You already have a mandat account. Text HELP for the commands.")                              \
    X(NOT_JOINED, "Pas encore de compte mandat pour ce numéro : répondez INSCRIPTION.",              \
      "No mandat account for this number yet: reply JOIN.")                                          \
    X(CODE_SET,                                                                                      \
      "Code enregistré. Gardez-le secret : mandat ne vous le demandera jamais par "                 \
      "téléphone. Essayez SOLDE.",                                                                   \
      "Code saved. Keep it secret: mandat will never ask for it by phone. Try BAL.")                 \
    X(CODE_NEEDED, "Choisissez d'abord votre code : répondez CODE suivi de 6 chiffres.",             \
      "Choose your code first: reply CODE and 6 digits.")                                            \
    /* %s balance */                                                                                 \
    X(BALANCE, "Solde : %s. ENVOI 10 0612345678 pour envoyer.",                                      \
      "Balance: %s. SEND 10 +33612345678 to send money.")                                            \
    X(HELP, "ENVOI montant numéro | DON montant ASSO | SOLDE | ANNULER | NOM prénom | LANG EN",      \
      "SEND amount number | GIVE amount CHARITY | BAL | CANCEL | NAME first name | LANG FR")         \
    /* %s amount, %s payee (masked), %s order timeout, %s ref */                                     \
    X(CONFIRM_SEND, "Envoyer %s à %s ? Répondez avec votre code sous %s. Ref %s",                    \
      "Send %s to %s? Reply with your code within %s. Ref %s")                                       \
    /* %s amount, %s association, %s order timeout, %s ref */                                        \
    X(CONFIRM_DONATE, "Donner %s à %s ? Répondez avec votre code sous %s. Ref %s",                   \
      "Give %s to %s? Reply with your code within %s. Ref %s")                                       \
    /* %s amount, %s payee, %s new balance */                                                        \
    X(SENT, "Envoyé : %s à %s. Nouveau solde : %s.", "Sent: %s to %s. New balance: %s.")             \
    /* %s amount, %s payer (masked), %s new balance */                                               \
    X(RECEIVED, "%s de %s arrivés sur votre compte. Nouveau solde : %s.",                            \
      "You received %s from %s. New balance: %s.")                                                   \
    /* %s amount, %s association, %s new balance */                                                  \
    X(DONATED, "Merci ! Don de %s à %s effectué. Nouveau solde : %s.",                               \
      "Thank you! %s given to %s. New balance: %s.")                                                 \
    /* %u tries left */                                                                              \
    X(WRONG_CODE, "Code incorrect. Encore %u essai(s), ou ANNULER.",                                 \
      "Wrong code. %u more try(ies), or CANCEL.")                                                    \
    /* %u wrong codes, %s how long the code is locked */                                             \
    X(LOCKED_NOW, "Code erroné %u fois : ordre annulé, code bloqué %s.",                             \
      "%u wrong codes: order cancelled, code locked for %s.")                                        \
    /* %s until when (UTC) */                                                                        \
    X(LOCKED, "Code bloqué jusqu'au %s UTC après trop d'erreurs : rien n'a été débité.",             \
      "Code locked until %s UTC after too many wrong codes: nothing was taken.")                     \
    X(NO_ORDER, "Aucun ordre en attente. ENVOI 10 0612345678 pour envoyer.",                         \
      "No order waiting. SEND 10 +33612345678 to send money.")                                       \
    X(ORDER_WAITING, "Un ordre attend votre code : répondez avec le code, ou ANNULER.",              \
      "An order is waiting for your code: reply with the code, or CANCEL.")                          \
    X(CANCELLED, "Ordre annulé, rien n'a été débité.", "Order cancelled, nothing was taken.")        \
    X(EXPIRED, "Ordre expiré : rien n'a été débité. Recommencez.",                                   \
      "Order expired: nothing was taken. Start again.")                                              \
    /* %s payee (masked), %s our short code */                                                       \
    X(PAYEE_UNKNOWN, "%s n'a pas de compte mandat : invitez-le à écrire INSCRIPTION au %s.",         \
      "%s has no mandat account: ask them to text JOIN to %s.")                                      \
    X(PAYEE_SELF, "Vous ne pouvez pas vous envoyer de l'argent.", "You cannot send to yourself.")    \
    /* %s keyword */                                                                                 \
    X(CHARITY_UNKNOWN, "Association %s inconnue. Vérifiez le mot-clé.",                              \
      "Unknown charity %s. Check the keyword.")                                                      \
    /* %s available */                                                                               \
    X(NO_FUNDS, "Solde insuffisant (disponible : %s). Rechargez ou envoyez moins.",                  \
      "Not enough money (available: %s). Top up or send less.")                                      \
    /* The payer's own limits: an unverified wallet (tier 0) can raise them, others cannot. */       \
    X(LIMIT,                                                                                         \
      "Plafond atteint pour votre compte : envoyez moins ou faites vérifier votre identité.",        \
      "Limit reached for your account: send less or get your identity verified.")                    \
    X(LIMIT_VERIFIED, "Plafond atteint pour votre compte : envoyez moins ou attendez.",              \
      "Limit reached for your account: send less or wait.")                                          \
    /* %s the most one order may move */                                                             \
    X(LIMIT_ORDER, "Montant trop élevé : au plus %s par ordre. Envoyez moins.",                      \
      "Amount too large: at most %s per order. Send less.")                                          \
    X(FROZEN, "Votre compte est bloqué : contactez le service client.",                              \
      "Your account is frozen: contact customer service.")                                           \
    /* %s payee */                                                                                   \
    X(PAYEE_FROZEN, "%s ne peut pas recevoir d'argent pour l'instant : rien n'a été débité.",        \
      "%s cannot receive money for now: nothing was taken.")                                         \
    /* To the payer: %s payee, %s amount */                                                          \
    X(PAYEE_CAP, "%s ne peut pas recevoir %s pour l'instant (son plafond) : rien n'a été débité.",   \
      "%s cannot receive %s for now (their limit): nothing was taken.")                              \
    /* To the payee: %s payer, %s amount */                                                          \
    X(PAYEE_CAP_NOTICE,                                                                              \
      "%s a voulu vous envoyer %s mais votre plafond est atteint : contactez le service client "     \
      "pour le relever.",                                                                            \
      "%s tried to send you %s but your account is at its limit: contact customer service to "       \
      "raise it.")                                                                                   \
    /* %s ledger reason */                                                                           \
    X(REFUSED, "Opération refusée (%s).", "Operation refused (%s).")                                 \
    X(RELOAD_SOON, "La recharge de carte par SMS arrive bientôt.",                                   \
      "Card reload by SMS is coming soon.")                                                          \
    /* %s the movements, newest first */                                                             \
    X(HISTORY, "Dernières opérations : %s", "Last operations: %s")                                   \
    X(HISTORY_EMPTY, "Aucune opération pour l'instant. SOLDE donne votre solde.",                    \
      "No operations yet. BAL gives your balance.")                                                  \
    X(LANG_SET, "Langue : français.", "Language: English.")                                          \
    X(BUSY, "Un instant : votre message précédent est en cours.",                                    \
      "One moment: your previous message is being handled.")                                         \
    /* %s amount, %s payee (masked), %s period, %s order timeout, %s ref */                          \
    X(CONFIRM_SEND_NEW,                                                                              \
      "Envoyer %s à %s (sans compte : gardé %s pour lui, sinon rendu) ? Répondez avec votre "     \
      "code sous %s. Ref %s",                                                                        \
      "Send %s to %s (no account yet: kept %s for them, else returned)? Reply with your code "       \
      "within %s. Ref %s")                                                                           \
    /* %s amount, %s payee (masked), %s period, %s new balance */                                    \
    X(HELD, "Envoyé : %s à %s, gardé %s le temps de son inscription. Nouveau solde : %s.",           \
      "Sent: %s to %s, kept %s until they join. New balance: %s.")                                   \
    /* %s payer (masked), %s amount, %s period */                                                    \
    X(HELD_FOR_YOU,                                                                                  \
      "%s vous envoie %s avec mandat. Répondez INSCRIPTION sous %s pour le recevoir.",               \
      "%s sent you %s with mandat. Reply JOIN within %s to collect it.")                             \
    /* %s payee (masked), %s amount */                                                               \
    X(COLLECTED, "%s s'est inscrit : vos %s sont sur son compte.",                                   \
      "%s joined and collected your %s.")                                                            \
    /* %s amount, %s payee (masked), %s new balance */                                               \
    X(RETURNED, "%s pour %s non retirés : ils sont revenus sur votre compte. Nouveau solde : %s.",   \
      "%s for %s was not collected: it is back on your account. New balance: %s.")                   \
    /* %s amount, %s period */                                                                       \
    X(CLAIM_REFUSED,                                                                                 \
      "%s vous attendent mais votre compte ne peut pas les recevoir (plafond). Faites vérifier "    \
      "votre identité sous %s.",                                                                     \
      "%s is waiting for you but your account cannot take it (limit). Get your identity "            \
      "verified within %s.")                                                                         \
    /* %s merchant, %s amount, %s reference, %s ref. No link: with the code's instructions it        \
     * would take two SMS; a payer with an order waiting gets PAY_ASK_LINK instead. */               \
    X(PAY_ASK,                                                                                       \
      "%s demande %s (%s). Répondez avec votre code pour payer, ANNULER pour refuser. Ref %s",       \
      "%s asks %s (%s). Reply with your code to pay, CANCEL to decline. Ref %s")                     \
    /* %s merchant, %s amount, %s reference, %s link */                                              \
    X(PAY_ASK_LINK, "%s demande %s (%s). Pour payer, ouvrez %s",                                     \
      "%s asks %s (%s). To pay, open %s")                                                            \
    /* %s amount, %s merchant, %s reference, %s new balance */                                       \
    X(PAID, "Payé : %s à %s (%s). Nouveau solde : %s.", "Paid: %s to %s (%s). New balance: %s.")     \
    /* %s amount, %s payee, %s ref, %s the card's last four digits (an order paid by phone) */    \
    X(PAID_CARD, "Payé : %s à %s (%s) par la carte ****%s.", "Paid: %s to %s (%s) by card ****%s.") \
    /* %s merchant, %s amount */                                                                     \
    X(PAY_DECLINED, "Demande de %s (%s) refusée : rien n'a été débité.",                             \
      "Request from %s (%s) declined: nothing was taken.")                                           \
    /* %s merchant, %s amount */                                                                     \
    X(PAY_CANCELLED, "%s a retiré sa demande de %s : rien n'a été débité.",                          \
      "%s withdrew its request for %s: nothing was taken.")                                          \
    /* %s merchant, %s amount */                                                                     \
    X(PAY_EXPIRED, "Demande de %s (%s) expirée : rien n'a été débité.",                              \
      "Request from %s (%s) expired: nothing was taken.")                                            \
    /* %s merchant, %s amount, %s reference, %s new balance */                                       \
    X(REFUNDED, "%s vous rembourse %s (%s). Nouveau solde : %s.",                                    \
      "%s refunded you %s (%s). New balance: %s.")                                                   \
    /* Social posts. %s the account ("@alice"), %s how long the link works, %s the link */           \
    X(SOCIAL_LINK, "Pour relier %s à un compte mandat, ouvrez ce lien (%s) : %s",                    \
      "To link %s to a mandat wallet, open this link (%s): %s")                                      \
    /* %s the account, %s the masked number */                                                       \
    X(SOCIAL_ALREADY_LINKED, "%s est déjà relié au compte mandat %s.",                               \
      "%s is already linked to the mandat wallet %s.")                                               \
    /* %s our handle */                                                                              \
    X(SOCIAL_NOT_LINKED, "Reliez d'abord ce compte à mandat : écrivez « %s ouvrir ».",               \
      "Link this account to mandat first: post \"%s open\".")                                        \
    /* %s amount, %s payee, %s order timeout, %s link, %s reference */                               \
    X(SOCIAL_CONFIRM_SEND, "Envoyer %s à %s ? Confirmez avec votre code sous %s : %s (réf %s)",      \
      "Send %s to %s? Confirm with your code within %s: %s (ref %s)")                                \
    X(SOCIAL_CONFIRM_DONATE, "Donner %s à %s ? Confirmez avec votre code sous %s : %s (réf %s)",     \
      "Give %s to %s? Confirm with your code within %s: %s (ref %s)")                                \
    /* %s amount, %s payee, %s period, %s link, %s reference */                                      \
    X(SOCIAL_CONFIRM_SEND_NEW,                                                                       \
      "Envoyer %s à %s (sans compte : gardé %s pour lui, sinon rendu) ? Confirmez avec votre "     \
      "code : %s (réf %s)",                                                                          \
      "Send %s to %s (no wallet yet: kept %s for them, else returned)? Confirm with your code: "     \
      "%s (ref %s)")                                                                                 \
    /* %s the payer, %s our handle, %s period */                                                     \
    X(SOCIAL_INVITE,                                                                                 \
      "%s vous envoie de l'argent avec mandat. Pour le recevoir, écrivez « %s ouvrir » sous %s.",    \
      "%s is sending you money with mandat. To collect it, post \"%s open\" within %s.")             \
    /* %s link to set a new code */                                                                  \
    X(SOCIAL_LEAK,                                                                                   \
      "Votre code mandat est apparu dans un message public : il ne marche plus. Choisissez-en un "   \
      "nouveau : %s",                                                                                \
      "Your mandat code appeared in a public post, so it no longer works. Choose a new one: %s")     \
    X(SOCIAL_NO_CODE,                                                                                \
      "Ne publiez jamais votre code : confirmez sur la page du lien reçu en message privé.",         \
      "Never post your code: confirm on the page linked in our private message.")                    \
    /* %s the account */                                                                             \
    X(SOCIAL_LINKED, "C'est fait : %s est relié à votre compte mandat.",                             \
      "Done: %s is linked to your mandat wallet.")                                                   \
    /* SMS to the number: %s the account */                                                          \
    X(SOCIAL_LINK_NOTICE,                                                                            \
      "Votre numéro est relié au compte %s. Si ce n'est pas vous, répondez AIDE.",                   \
      "Your number is now linked to the account %s. If this was not you, reply HELP.")               \
    /* SMS: %s the one-time code, %s the account, %s how long it works */                            \
    X(SOCIAL_OTP,                                                                                    \
      "Code de vérification mandat : %s, pour relier %s (%s). Ne le donnez à personne.",             \
      "mandat verification code: %s, to link %s (%s). Never share it.")                              \
    X(SOCIAL_HELP,                                                                                   \
      "Mentionnez-nous avec « envoie 10€ à @ami », « don 5€ #ASSO », « solde » ou « annuler ».",     \
      "Mention us with \"send €10 to @friend\", \"give €5 #CHARITY\", \"balance\" or \"cancel\".")   \
    /* The code is knowledge (DESIGN.md): set once, changed with the current code, reset only */     \
    /* after an announced delay. */                                                                  \
    X(CODE_ALREADY_SET,                                                                              \
      "Vous avez déjà un code : rien n'a changé. Pour le changer : CODE ancien nouveau. "         \
      "Oublié ? Répondez CODE OUBLIE.",                                                              \
      "You already have a code: nothing changed. To change it: CODE old new. Forgotten? "            \
      "Reply CODE FORGOT.")                                                                          \
    X(CODE_CHANGED, "Code changé. Gardez-le secret : mandat ne vous le demandera jamais.",           \
      "Code changed. Keep it secret: mandat will never ask for it.")                                 \
    X(CODE_CHANGED_RESET_OFF,                                                                        \
      "Code changé et réinitialisation annulée : les paiements sont de nouveau possibles.",          \
      "Code changed and reset cancelled: payments work again.")                                      \
    /* %u tries left */                                                                              \
    X(CODE_WRONG_OLD,                                                                                \
      "Code actuel incorrect : rien n'a changé. Encore %u essai(s) avant blocage. "                 \
      "Oublié ? CODE OUBLIE",                                                                        \
      "Current code wrong: nothing changed. %u more try(ies) before it locks. "                      \
      "Forgotten? CODE FORGOT")                                                                      \
    /* %s how long the code is locked */                                                             \
    X(CODE_LOCKED_NOW, "Trop de codes erronés : rien n'a changé, code bloqué %s.",                   \
      "Too many wrong codes: nothing changed, code locked for %s.")                                  \
    /* %s how long the lock lasts still */                                                           \
    X(CODE_LOCKED_LEFT,                                                                              \
      "Code bloqué encore %s après trop d'erreurs : rien n'a changé. Réessayez ensuite.",            \
      "Code locked for %s more after too many wrong codes: nothing changed. Try again then.")        \
    X(CODE_BY_SMS,                                                                                   \
      "Votre code se gère par SMS depuis votre numéro : CODE ancien nouveau, ou CODE OUBLIE.",       \
      "Manage your code by SMS from your number: CODE old new, or CODE FORGOT.")                     \
    /* %s when it takes effect (UTC) */                                                              \
    X(RESET_STARTED,                                                                                 \
      "Réinitialisation du code le %s UTC : d'ici là, aucun paiement ne part, l'argent pour vous " \
      "arrive. Pas vous ? Répondez CODE GARDER et votre code.",                                      \
      "Code reset on %s UTC: until then no payment leaves, money for you arrives. Not you? Reply "   \
      "CODE KEEP and your code.")                                                                    \
    /* %s when it takes effect (UTC) */                                                              \
    X(RESET_ALREADY,                                                                                 \
      "Réinitialisation déjà en cours, effective le %s UTC. Code retrouvé ? "                    \
      "CODE GARDER et le code.",                                                                     \
      "A code reset is already under way, effective on %s UTC. Remembered it? CODE KEEP and "        \
      "the code.")                                                                                   \
    /* %s when the reset takes effect (UTC) */                                                       \
    X(RESET_BLOCKS,                                                                                  \
      "Paiements suspendus jusqu'au %s UTC : réinitialisation du code en cours. Code retrouvé "    \
      "? CODE GARDER et le code.",                                                                   \
      "Payments are suspended until %s UTC: a code reset is under way. Remembered it? CODE "         \
      "KEEP and the code.")                                                                          \
    /* %s when the reset takes effect (UTC) */                                                       \
    X(RESET_NOT_YET,                                                                                 \
      "Réinitialisation en cours : vous choisirez un nouveau code à partir du %s UTC. Vous "       \
      "avez l'ancien ? CODE ancien nouveau.",                                                        \
      "Code reset under way: you can choose a new code from %s UTC. Have the old one? CODE "         \
      "old new.")                                                                                    \
    X(RESET_DONE,                                                                                    \
      "Réinitialisation effectuée : votre ancien code ne marche plus. Choisissez-en un "           \
      "nouveau : répondez CODE suivi de 6 chiffres.",                                                \
      "Code reset done: your old code no longer works. Choose a new one: reply CODE and 6 "          \
      "digits.")                                                                                     \
    X(RESET_DONE_OPERATOR,                                                                           \
      "Notre service client a validé la réinitialisation de votre code : l'ancien ne marche "      \
      "plus. Choisissez-en un nouveau : répondez CODE suivi de 6 chiffres.",                         \
      "Customer service approved your code reset: the old code no longer works. Choose a new "       \
      "one: reply CODE and 6 digits.")                                                               \
    X(RESET_KEPT,                                                                                    \
      "Réinitialisation annulée : votre code ne change pas et les paiements sont de nouveau "      \
      "possibles.",                                                                                  \
      "Code reset cancelled: your code stays the same and payments work again.")                     \
    X(RESET_CANCELLED_OPERATOR,                                                                      \
      "Notre service client a annulé la réinitialisation de votre code : il ne change pas et "     \
      "les paiements sont de nouveau possibles.",                                                    \
      "Customer service cancelled your code reset: your code stays the same and payments "           \
      "work again.")                                                                                 \
    X(RESET_NONE, "Aucune réinitialisation en cours : votre code ne change pas.",                    \
      "No code reset under way: your code stays the same.")                                          \
    /* Issue 12: an order like one just confirmed. %s amount, %s payee, %s its ref */                \
    X(REPEAT_SEND, "Vous venez d'envoyer %s à %s (ref %s). Pour renvoyer, répondez ENCORE.",         \
      "You just sent %s to %s (ref %s). To send it again, reply AGAIN.")                             \
    X(REPEAT_DONATE, "Vous venez de donner %s à %s (ref %s). Pour redonner, répondez ENCORE.",       \
      "You just gave %s to %s (ref %s). To give it again, reply AGAIN.")                             \
    X(NO_REPEAT, "Rien à refaire pour l'instant. ENVOI 10 0612345678 pour envoyer.",                 \
      "Nothing to do again now. SEND 10 +33612345678 to send money.")                                \
    /* %s the name as payees will see it */                                                          \
    X(NAME_SET, "Nom enregistré : les personnes que vous payez verront %s.",                         \
      "Name saved: the people you pay will see %s.")                                                 \
    X(NAME_CLEARED, "Nom effacé : les personnes que vous payez verront votre numéro masqué.",        \
      "Name removed: the people you pay will see your masked number.")                               \
    /* Cards (issue 13). %s last 4 digits, %s alias, %s amount, %s fee, %s order timeout, %s ref     \
     */                                                                                              \
    X(CARD_CONFIRM_RELOAD,                                                                           \
      "Recharger ****%s (%s) de %s + frais %s ? Répondez avec votre code sous %s. Ref %s",           \
      "Reload ****%s (%s) with %s + fee %s? Reply with your code within %s. Ref %s")                 \
    /* %s amount, %s last 4, %s alias, %s fee, %s card balance, %s wallet balance */                 \
    X(CARD_RELOADED,                                                                                 \
      "Recharge de %s sur ****%s (%s), frais %s. Solde carte : %s. Votre solde : %s.",               \
      "Reloaded %s on ****%s (%s), fee %s. Card balance: %s. Your balance: %s.")                     \
    /* To the holder: %s amount, %s last 4, %s card balance */                                       \
    X(CARD_LOADED_HOLDER, "+%s sur votre carte ****%s, solde %s",                                    \
      "+%s on your card ****%s, balance %s")                                                         \
    /* To the holder, from the ISO 8583 host: %s what the ATM gave (its currency), %s the card's     \
     * amount in brackets when that currency is another (" (46,08 €)") or "", %s last 4, %s the     \
     * card's balance */                                                                            \
    X(ISO_WITHDRAWAL, "Retrait %s%s ****%s, solde %s", "Withdrawal %s%s ****%s, balance %s")         \
    /* The same for a forced post: a completion of an operation the host did not hold (the         \
     * network paid it already); the amount is what the card gave */                                \
    X(ISO_FORCED_POST,                                                                               \
      "Finalisation d'une opération antérieure : %s%s débités sur ****%s, solde %s",              \
      "Completion of an earlier operation: %s%s taken from card ****%s, balance %s")                 \
    /* %s last 4, %s what is left this year */                                                       \
    X(CARD_YEAR_CAP,                                                                                 \
      "Plafond annuel de la carte ****%s : il reste %s à charger cette année. Rien n'a été "     \
      "débité.",                                                                                     \
      "Yearly limit of card ****%s: %s left to load this year. Nothing was taken.")                  \
    /* %s the smallest reload */                                                                     \
    X(CARD_MIN, "Recharge minimum : %s. Rien n'a été débité.",                                       \
      "Minimum reload: %s. Nothing was taken.")                                                      \
    /* %s last 4, %s alias, %s last 4 */                                                             \
    X(CARD_INACTIVE,                                                                                 \
      "La carte ****%s (%s) n'est pas encore activée : son titulaire envoie ACTIVER %s et le "      \
      "code "                                                                                        \
      "d'activation.",                                                                               \
      "Card ****%s (%s) is not activated yet: its holder texts ACTIVATE %s and the activation "      \
      "code.")                                                                                       \
    /* %s last 4, %s alias */                                                                        \
    X(CARD_BLOCKED, "La carte ****%s (%s) est bloquée ou expirée : rien n'a été débité.",            \
      "Card ****%s (%s) is blocked or expired: nothing was taken.")                                  \
    /* %s alias, %s alias */                                                                         \
    X(CARD_ALIAS_UNKNOWN,                                                                            \
      "Pas de carte %s : CARTE AJOUT %s, les 4 derniers chiffres et le code d'activation.",          \
      "No card %s: CARD ADD %s, the last 4 digits and the activation code.")                         \
    /* %s last 4, %s alias, %s alias */                                                              \
    X(CARD_ADDED, "Carte ****%s enregistrée sous %s. Pour la recharger : RECHARGE %s 100",           \
      "Card ****%s saved as %s. To reload it: RELOAD %s 100")                                        \
    /* %u tries left */                                                                              \
    X(CARD_WRONG, "Carte ou code d'activation incorrect. Encore %u essai(s).",                       \
      "Wrong card or activation code. %u more try(ies).")                                            \
    /* %u the most aliases one number may have */                                                    \
    X(CARD_TOO_MANY, "Vous avez déjà %u cartes : c'est le maximum.",                                 \
      "You already have %u cards: that is the most.")                                                \
    /* %s the aliases and their cards */                                                             \
    X(CARDS_LIST, "Vos cartes : %s", "Your cards: %s")                                               \
    X(CARDS_NONE,                                                                                    \
      "Aucune carte. Pour en ajouter une : CARTE AJOUT MAMAN 4242 et le code d'activation.",         \
      "No cards. To add one: CARD ADD MUM 4242 and the activation code.")                            \
    /* %s last 4 */                                                                                  \
    X(CARD_ACTIVATED, "Carte ****%s activée. Son solde : SOLDE CARTE.",                              \
      "Card ****%s activated. Its balance: BAL CARD.")                                               \
    X(CARD_ACTIVE_ALREADY, "La carte ****%s est déjà activée.", "Card ****%s is already active.")    \
    X(CARD_NOT_YOURS,                                                                                \
      "Aucune carte ****%s pour ce numéro : activez-la depuis le numéro du titulaire.",              \
      "No card ****%s for this number: activate it from the holder's number.")                       \
    /* %u tries left */                                                                              \
    X(CARD_ACTIVATION_WRONG, "Code d'activation incorrect. Encore %u essai(s).",                     \
      "Wrong activation code. %u more try(ies).")                                                    \
    X(CARD_ACTIVATION_LOCKED, "Trop de codes d'activation erronés : contactez le service client.",   \
      "Too many wrong activation codes: contact customer service.")                                  \
    /* %s last 4, %s alias */                                                                        \
    X(CARD_BLOCKED_NOW,                                                                              \
      "Carte ****%s (%s) bloquée : plus aucune recharge. Service client pour la débloquer.",         \
      "Card ****%s (%s) blocked: no more reloads. Contact customer service to unblock it.")          \
    /* %s last 4, %s balance, %s left to load this year */                                           \
    X(CARD_BALANCE, "Solde de la carte ****%s : %s. Encore %s à charger cette année.",               \
      "Card ****%s balance: %s. %s left to load this year.")                                         \
    X(CARD_NONE_HERE, "Aucune carte pour ce numéro.", "No card for this number.")                    \
    /* Cards on file. %s the kept bank card's last 4 */                                              \
    X(CARD_FILE_FORGOTTEN, "Carte bancaire ****%s oubliée : elle ne sera plus débitée.",             \
      "Bank card ****%s forgotten: it will not be charged again.")                                   \
    X(CARD_FILE_NONE,                                                                                \
      "Aucune carte bancaire gardée. Pour en garder une : ALIMENTER 50, puis cochez la case "        \
      "sur la page.",                                                                                \
      "No bank card kept. To keep one: TOPUP 50, then tick the box on the page.")                    \
    /* Reloads paid by bank card. %s last 4, %s alias, %s amount, %s fee, %s the bank card's      \
     * last 4, %s order timeout, %s ref */                                                           \
    X(CARD_CONFIRM_RELOAD_BANK,                                                                      \
      "Recharger ****%s (%s) de %s + frais %s par la CB ****%s ? Répondez avec votre code sous "    \
      "%s. Ref %s",                                                                                  \
      "Reload ****%s (%s) with %s + fee %s by bank card ****%s? Reply with your code within %s. "    \
      "Ref %s")                                                                                      \
    /* %s amount, %s last 4, %s alias, %s fee, %s the bank card's last 4, %s card balance */        \
    X(CARD_RELOADED_BANK,                                                                            \
      "Recharge de %s sur ****%s (%s), frais %s, payée par la CB ****%s. Solde carte : %s.",          \
      "Reloaded %s on ****%s (%s), fee %s, paid by bank card ****%s. Card balance: %s.")             \
    /* %s last 4, %s amount, %s fee, %s the page's link, %s how long it lives */                     \
    X(TOPUP_CARD_LINK, "Recharge ****%s de %s + frais %s par CB : %s (valable %s)",                  \
      "Reload ****%s with %s + fee %s by bank card: %s (valid %s)")                                  \
    /* %s amount, %s what the bank card paid, %s its last 4 */                                       \
    X(TOPUP_REFUNDED,                                                                                \
      "Crédit de %s impossible (limite atteinte ou carte bloquée) : vos %s sont remboursés sur "   \
      "la CB ****%s.",                                                                               \
      "%s could not be credited (a limit reached or the card blocked): your %s are refunded to "     \
      "bank card ****%s.")                                                                           \
    /* %s last 4, %s what is left this year, %s what the bank card paid, %s its last 4 */           \
    X(TOPUP_REFUNDED_CAP,                                                                            \
      "Plafond annuel de la carte ****%s atteint (reste %s) : vos %s sont remboursés sur la CB "    \
      "****%s.",                                                                                     \
      "Yearly limit of card ****%s reached (%s left): your %s are refunded to bank card ****%s.")    \
    /* Top-ups by bank card (issue 13). %s amount, %s the page's link, %s how long it lives */       \
    X(TOPUP_LINK, "Alimentez votre compte de %s par carte bancaire : %s (valable %s)",               \
      "Top up %s by bank card: %s (valid %s)")                                                       \
    /* %s amount, %s the card's last four digits, %s new balance */                                  \
    X(TOPUP_DONE, "Compte alimenté de %s par la carte ****%s. Nouveau solde : %s.",                  \
      "%s added by card ****%s. New balance: %s.")                                                   \
    /* %s amount, %s the card's last four digits, %s new balance: the card is kept on file */       \
    X(TOPUP_DONE_KEPT,                                                                               \
      "Compte alimenté de %s par la carte ****%s, gardée pour vos recharges (CB OUBLIER "            \
      "pour l'oublier). Nouveau solde : %s.",                                                        \
      "%s added by card ****%s, kept for your reloads (CARD FORGET to forget it). New balance: "     \
      "%s.")                                                                                         \
    /* %s amount, %s why (dialog_topup_reason) */                                                    \
    X(TOPUP_DECLINED, "Paiement par carte de %s refusé : %s. Rien n'a été débité.",                  \
      "Card payment of %s declined: %s. Nothing was taken.")                                         \
    /* %s amount */                                                                                  \
    X(TOPUP_CHECKING,                                                                                \
      "Paiement par carte de %s en cours de vérification : le résultat vous sera "                 \
      "envoyé par SMS.",                                                                             \
      "Card payment of %s being checked: we will text you the result.")                              \
    X(TOPUP_OFF, "L'alimentation par carte n'est pas disponible.",                                   \
      "Top-up by card is not available.")                                                            \
    /* %s the wallet's balance limit, %s what may still be added */                                  \
    X(TOPUP_CAP,                                                                                     \
      "Refusé : sans vérification d'identité, votre solde ne peut dépasser %s. "                 \
      "Ajout possible : %s.",                                                                        \
      "Refused: without an identity check your balance may not exceed %s. You may add %s.")          \
    /* %s last 4, %s link, %s how long it lives */                                                   \
    X(CARD_PIN_LINK, "Code PIN de la carte ****%s : choisissez-le ici %s (valable %s)",             \
      "PIN of card ****%s: choose it here %s (valid %s)")                                            \
    /* %s last 4 */                                                                                  \
    X(CARD_PIN_SENT, "Lien envoyé au titulaire de la carte ****%s pour choisir son code PIN.",      \
      "Link sent to the holder of card ****%s to choose its PIN.")                                   \
    /* %s last 4 */                                                                                  \
    X(CARD_PIN_OFF, "Carte ****%s perdue ou expirée : pas de code PIN.",                             \
      "Card ****%s lost or expired: no PIN.")                                                        \
    /* %s price, %s link, %s how long it lives */                                                    \
    X(CARD_ORDER_LINK, "Commandez une carte prépayée (%s) : %s (valable %s)",                        \
      "Order a prepaid card (%s): %s (valid %s)")                                                    \
    /* %s the card's last four digits, %s alias, %s price */                                         \
    X(CARD_ORDER_DONE,                                                                               \
      "Carte ****%s commandée pour %s (%s payés). Elle vous sera envoyée ; le titulaire "         \
      "l'active avec ACTIVER.",                                                                      \
      "Card ****%s ordered for %s (%s paid). It will be sent to you; the holder activates it "       \
      "with ACTIVATE.")                                                                              \
    X(CARD_ORDER_OFF, "La commande de carte n'est pas disponible.",                                  \
      "Card ordering is not available.")                                                             \
    /* The card order page's notes on its form. */                                                   \
    X(PAGE_HOLDER_BAD, "Nom du titulaire : 2 à 26 lettres sans accents, comme sur la carte.",        \
      "Holder's name: 2 to 26 letters without accents, as on the card.")                             \
    X(PAGE_ALIAS_BAD, "Nom de la carte : lettres et chiffres, 15 au plus, ex. MAMAN.",               \
      "Card name: letters and digits, 15 at most, e.g. MUM.")                                        \
    X(PAGE_ALIAS_TAKEN, "Ce nom de carte est déjà pris, ou vous avez le maximum de cartes.",         \
      "This card name is taken already, or you have the most cards.")                                \
    /* Why a card payment was refused, put into TOPUP_DECLINED and the page. */                      \
    X(TOPUP_WHY_REFUSED, "refusé par la banque", "refused by the bank")                              \
    X(TOPUP_WHY_FUNDS, "provision insuffisante", "insufficient funds")                               \
    X(TOPUP_WHY_EXPIRED, "carte expirée", "card expired")                                            \
    X(TOPUP_WHY_INVALID, "numéro de carte invalide", "card number invalid")                          \
    /* The web pages' notes when a step cannot start. A lost link's page does not know the           \
     * person's language: both, French first. */                                                     \
    X(PAGE_LINK_GONE,                                                                                \
      "Ce lien ne sert plus : demandez-en un nouveau. This link is not valid any more.",             \
      "Ce lien ne sert plus : demandez-en un nouveau. This link is not valid any more.")             \
    X(PAGE_ORDER_GONE, "Cet ordre n'attend plus de code. This order is not waiting any more.",       \
      "Cet ordre n'attend plus de code. This order is not waiting any more.")                        \
    X(PAGE_BUSY, "Un instant : réessayez.", "One moment: try again.")                                \
    X(PAGE_NO_RANDOM, "Incident passager : réessayez.", "A passing fault: try again.")               \
    X(PAGE_PHONE_FIRST, "Donnez d'abord votre numéro de mobile.",                                    \
      "Give your mobile number first.")                                                              \
    X(PAGE_OTP_EXPIRED, "Le code de vérification a expiré : demandez-en un nouveau.",                \
      "The verification code expired: ask for a new one.")                                           \
    /* %s a national number as people write it (phone_example) */                                    \
    X(PAGE_PHONE_BAD, "Numéro de mobile non reconnu : écrivez-le comme %s.",                         \
      "Mobile number not recognised: write it like %s.")                                             \
    /* %u tries left */                                                                              \
    X(PAGE_WRONG_OTP, "Code de vérification incorrect. Encore %u essai(s).",                         \
      "Wrong verification code. %u more try(ies).")                                                  \
    /* %u tries left */                                                                              \
    X(PAGE_WRONG_CODE, "Code du compte incorrect. Encore %u essai(s).",                              \
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
