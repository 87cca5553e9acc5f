<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="en_US">
<context>
    <name>CameraPanel</name>
    <message>
        <source>Caméra éteinte</source>
        <translation>Camera off</translation>
    </message>
    <message>
        <source>Ouverture de la caméra…</source>
        <translation>Opening the camera…</translation>
    </message>
    <message>
        <source>Caméra indisponible : vérifiez le réglage de la caméra.</source>
        <translation>Camera unavailable: check the camera setting.</translation>
    </message>
</context>
<context>
    <name>CardPanel</name>
    <message>
        <source>Photo…</source>
        <translation>Photo…</translation>
    </message>
    <message>
        <source>Rappel : les achats doivent être en lien avec la formation du bénéficiaire.</source>
        <translation>Reminder: purchases must relate to the beneficiary's training.</translation>
    </message>
    <message>
        <source>Titulaire inconnu</source>
        <translation>Unknown holder</translation>
    </message>
    <message>
        <source>Carte n° {number}</source>
        <translation>Card no. {number}</translation>
    </message>
    <message>
        <source>Hors ligne : soldes lus dans le QR code signé de la carte.</source>
        <translation>Offline: balances read from the card's signed QR code.</translation>
    </message>
    <message>
        <source>Aucun porte-monnaie sur cette carte.</source>
        <translation>No wallet on this card.</translation>
    </message>
    <message>
        <source>Pas de photo</source>
        <translation>No photo</translation>
    </message>
</context>
<context>
    <name>CounterScreen</name>
    <message>
        <source>Opération enregistrée, en attente de confirmation — {amount}</source>
        <translation>Operation recorded, awaiting confirmation — {amount}</translation>
    </message>
    <message>
        <source>Prépaiement encaissé — {amount} sur {wallet}</source>
        <translation>Prepayment redeemed — {amount} from {wallet}</translation>
    </message>
    <message>
        <source>Paiement accepté (hors ligne) — {amount} sur {wallet}</source>
        <translation>Payment accepted (offline) — {amount} from {wallet}</translation>
    </message>
    <message>
        <source>Paiement accepté — {amount} sur {wallet}</source>
        <translation>Payment accepted — {amount} from {wallet}</translation>
    </message>
    <message>
        <source>Reste à payer en caisse : {rest}</source>
        <translation>Left to pay at the till: {rest}</translation>
    </message>
    <message>
        <source>Scannez le QR code ou saisissez le n° de carte (8 chiffres) ou de ticket (12)</source>
        <translation>Scan the QR code or type the card number (8 digits) or ticket number (12)</translation>
    </message>
    <message>
        <source>Rechercher</source>
        <translation>Search</translation>
    </message>
    <message>
        <source>Présentez la carte Génération #HDF (QR code) ou le prépaiement au lecteur, ou saisissez son numéro puis Entrée.</source>
        <translation>Present the Génération #HDF card (QR code) or the prepayment to the reader, or type its number then Enter.</translation>
    </message>
    <message>
        <source>Refusé</source>
        <translation>Refused</translation>
    </message>
    <message>
        <source>Paiement refusé</source>
        <translation>Payment refused</translation>
    </message>
    <message>
        <source>Encaissement refusé</source>
        <translation>Redemption refused</translation>
    </message>
    <message>
        <source>Montant : {amount}</source>
        <translation>Amount: {amount}</translation>
    </message>
    <message>
        <source>Solde après : {balance}</source>
        <translation>Balance after: {balance}</translation>
    </message>
    <message>
        <source>Réponse non reçue : opération mise en attente</source>
        <translation>No answer received: operation queued</translation>
    </message>
    <message>
        <source>Le service central n'a pas répondu à temps. L'opération est gardée et renvoyée telle quelle : elle ne sera jamais débitée deux fois.</source>
        <translation>The central service did not answer in time. The operation is kept and sent again as it is: it will never be debited twice.</translation>
    </message>
    <message>
        <source>Accepté hors ligne</source>
        <translation>Accepted offline</translation>
    </message>
    <message>
        <source>Opération acceptée hors ligne et mise en attente : elle sera envoyée au service central dès le retour de la connexion.</source>
        <translation>Operation accepted offline and queued: it will be sent to the central service as soon as the connection is back.</translation>
    </message>
    <message>
        <source>Paiement accepté</source>
        <translation>Payment accepted</translation>
    </message>
    <message>
        <source>Prépaiement encaissé</source>
        <translation>Prepayment redeemed</translation>
    </message>
    <message>
        <source>Transaction n° {number}</source>
        <translation>Transaction no. {number}</translation>
    </message>
</context>
<context>
    <name>EnrolPage</name>
    <message>
        <source>Enrôler ce terminal</source>
        <translation>Enrol this terminal</translation>
    </message>
    <message>
        <source>Adresse du service central et identifiants du partenaire (fournis par la Région).</source>
        <translation>Central service address and the partner's credentials (given by the Region).</translation>
    </message>
    <message>
        <source>https://…</source>
        <translation>https://…</translation>
    </message>
    <message>
        <source>ex. L212</source>
        <translation>e.g. L212</translation>
    </message>
    <message>
        <source>Service central</source>
        <translation>Central service</translation>
    </message>
    <message>
        <source>Code partenaire</source>
        <translation>Partner code</translation>
    </message>
    <message>
        <source>Mot de passe</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>Nom du terminal</source>
        <translation>Terminal name</translation>
    </message>
    <message>
        <source>Renseignez l'adresse (http(s)://…), le code, le mot de passe et le nom.</source>
        <translation>Fill in the address (http(s)://…), the code, the password and the name.</translation>
    </message>
    <message>
        <source>Connexion au service central…</source>
        <translation>Connecting to the central service…</translation>
    </message>
    <message>
        <source>Code partenaire ou mot de passe refusé par le service central.</source>
        <translation>Partner code or password refused by the central service.</translation>
    </message>
    <message>
        <source>Code partenaire inconnu du service central.</source>
        <translation>Partner code unknown to the central service.</translation>
    </message>
</context>
<context>
    <name>FirstRunWizard</name>
    <message>
        <source>Premier démarrage — Terminal Génération #HDF</source>
        <translation>First start — Génération #HDF terminal</translation>
    </message>
    <message>
        <source>Suivant</source>
        <translation>Next</translation>
    </message>
    <message>
        <source>Précédent</source>
        <translation>Back</translation>
    </message>
    <message>
        <source>Terminer</source>
        <translation>Finish</translation>
    </message>
    <message>
        <source>Annuler</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Le code n'a pas pu être rangé dans le trousseau système.</source>
        <translation>The code could not be stored in the system keyring.</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Terminal Génération #HDF — {partner}</source>
        <translation>Génération #HDF terminal — {partner}</translation>
    </message>
    <message>
        <source>Comptoir (F1)</source>
        <translation>Counter (F1)</translation>
    </message>
    <message>
        <source>Réglages</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>Transactions (F2)</source>
        <translation>Transactions (F2)</translation>
    </message>
    <message>
        <source>Gestion (F3)</source>
        <translation>Manager (F3)</translation>
    </message>
</context>
<context>
    <name>ManagerPanel</name>
    <message>
        <source>Actualiser</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <source>Clôturer la journée (Z)…</source>
        <translation>Close the day (Z)…</translation>
    </message>
    <message>
        <source>Exporter CSV</source>
        <translation>Export CSV</translation>
    </message>
    <message>
        <source>Exporter PDF</source>
        <translation>Export PDF</translation>
    </message>
    <message>
        <source>Jour</source>
        <translation>Day</translation>
    </message>
    <message>
        <source>Nombre</source>
        <translation>Count</translation>
    </message>
    <message>
        <source>Montant</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>Porte-monnaie</source>
        <translation>Wallet</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>Terminal</source>
        <translation>Terminal</translation>
    </message>
    <message>
        <source>Rubrique</source>
        <translation>Item</translation>
    </message>
    <message>
        <source>Service central</source>
        <translation>Central service</translation>
    </message>
    <message>
        <source>Écart</source>
        <translation>Difference</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>Opération</source>
        <translation>Operation</translation>
    </message>
    <message>
        <source>Carte</source>
        <translation>Card</translation>
    </message>
    <message>
        <source>Motif</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>Par porte-monnaie</source>
        <translation>By wallet</translation>
    </message>
    <message>
        <source>Recettes du {day}</source>
        <translation>Takings of {day}</translation>
    </message>
    <message>
        <source>Par type</source>
        <translation>By kind</translation>
    </message>
    <message>
        <source>Par terminal</source>
        <translation>By terminal</translation>
    </message>
    <message>
        <source>Par terminal (relevé du service central)</source>
        <translation>By terminal (central service statement)</translation>
    </message>
    <message>
        <source>Net : {amount} ({count} transactions)</source>
        <translation>Net: {amount} ({count} transactions)</translation>
    </message>
    <message>
        <source>Rapprochement avec le relevé du service central</source>
        <translation>Reconciliation with the central service's statement</translation>
    </message>
    <message>
        <source>Opérations refusées à la synchronisation (à régler)</source>
        <translation>Operations refused at sync (to settle)</translation>
    </message>
    <message>
        <source>Rapprochement impossible : {why}</source>
        <translation>Reconciliation impossible: {why}</translation>
    </message>
    <message>
        <source>Net du jour : {amount} — {count} transaction(s)</source>
        <translation>Net for the day: {amount} — {count} transaction(s)</translation>
    </message>
    <message>
        <source>Journée clôturée</source>
        <translation>Day closed</translation>
    </message>
    <message>
        <source>Journée ouverte</source>
        <translation>Day open</translation>
    </message>
    <message>
        <source>Nombre de transactions</source>
        <translation>Number of transactions</translation>
    </message>
    <message>
        <source>Montant net</source>
        <translation>Net amount</translation>
    </message>
    <message>
        <source>Rapprochement : aucun écart avec le service central.</source>
        <translation>Reconciliation: no difference with the central service.</translation>
    </message>
    <message>
        <source>Rapprochement : écarts surlignés en rouge, à vérifier.</source>
        <translation>Reconciliation: differences highlighted in red, to check.</translation>
    </message>
    <message>
        <source>Paiement</source>
        <translation>Payment</translation>
    </message>
    <message>
        <source>Encaissement</source>
        <translation>Redemption</translation>
    </message>
    <message>
        <source>Clôture</source>
        <translation>Closing</translation>
    </message>
    <message>
        <source>Clôturer la journée du {day} ? Plus aucune opération ne pourra y être ajoutée.</source>
        <translation>Close the day of {day}? No operation can be added to it afterwards.</translation>
    </message>
    <message>
        <source>Journée clôturée (Z).</source>
        <translation>Day closed (Z).</translation>
    </message>
    <message>
        <source>Rien à exporter : actualisez d'abord.</source>
        <translation>Nothing to export: refresh first.</translation>
    </message>
    <message>
        <source>Exporté : {path}</source>
        <translation>Exported: {path}</translation>
    </message>
    <message>
        <source>Export impossible : {why}</source>
        <translation>Export impossible: {why}</translation>
    </message>
    <message>
        <source>Actualiser F5</source>
        <translation>Refresh F5</translation>
    </message>
    <message>
        <source>Clôturer (Z)… Ctrl+K</source>
        <translation>Close (Z)… Ctrl+K</translation>
    </message>
    <message>
        <source>Exporter CSV… Ctrl+E</source>
        <translation>Export CSV… Ctrl+E</translation>
    </message>
    <message>
        <source>Rapport PDF… Ctrl+P</source>
        <translation>PDF report… Ctrl+P</translation>
    </message>
    <message>
        <source>Rapport de fin de journée (Z) du {day}</source>
        <translation>End-of-day (Z) report of {day}</translation>
    </message>
    <message>
        <source>Rapport provisoire du {day} (journée ouverte)</source>
        <translation>Provisional report of {day} (day open)</translation>
    </message>
    <message>
        <source>Source : relevé du service central (toute la boutique).</source>
        <translation>Source: the central service statement (the whole shop).</translation>
    </message>
    <message>
        <source>Source : journal de ce terminal (service central injoignable).</source>
        <translation>Source: this terminal&apos;s journal (central service unreachable).</translation>
    </message>
    <message>
        <source>Ce terminal : {amount} — {count} transaction(s)</source>
        <translation>This terminal: {amount} — {count} transaction(s)</translation>
    </message>
    <message>
        <source>Net du jour : {amount} — {count} transaction(s) — dont ce terminal : {mine}</source>
        <translation>Day net: {amount} — {count} transaction(s) — of which this terminal: {mine}</translation>
    </message>
    <message>
        <source>CSV (*.csv)</source>
        <translation>CSV (*.csv)</translation>
    </message>
    <message>
        <source>PDF (*.pdf)</source>
        <translation>PDF (*.pdf)</translation>
    </message>
    <message>
        <source>Enregistrer sous</source>
        <translation>Save as</translation>
    </message>
    <message>
        <source>Clôturée le</source>
        <translation>Closed on</translation>
    </message>
    <message>
        <source>Opérations de ce terminal</source>
        <translation>Operations of this terminal</translation>
    </message>
    <message>
        <source>Total du jour</source>
        <translation>Day total</translation>
    </message>
    <message>
        <source>Grand total perpétuel</source>
        <translation>Perpetual grand total</translation>
    </message>
    <message>
        <source>Dernière empreinte du journal</source>
        <translation>Last journal hash</translation>
    </message>
    <message>
        <source>Clôture (Z) enregistrée au journal</source>
        <translation>Closing (Z) recorded in the journal</translation>
    </message>
</context>
<context>
    <name>ManagerPin</name>
    <message>
        <source>Code gérant</source>
        <translation>Manager PIN</translation>
    </message>
    <message>
        <source>Aucun code gérant sur ce terminal. Choisissez-en un (4 à 8 chiffres) :</source>
        <translation>No manager PIN on this terminal. Choose one (4 to 8 digits):</translation>
    </message>
    <message>
        <source>Confirmez le code :</source>
        <translation>Confirm the PIN:</translation>
    </message>
    <message>
        <source>Les deux codes diffèrent ou ne font pas 4 à 8 chiffres : rien n'a changé.</source>
        <translation>The two PINs differ or are not 4 to 8 digits: nothing changed.</translation>
    </message>
    <message>
        <source>Code gérant pour cette opération :</source>
        <translation>Manager PIN for this operation:</translation>
    </message>
    <message>
        <source>Code gérant incorrect.</source>
        <translation>Wrong manager PIN.</translation>
    </message>
</context>
<context>
    <name>PayPanel</name>
    <message>
        <source>Solde disponible : {available} (montant demandé : {asked}).</source>
        <translation>Available balance: {available} (amount asked: {asked}).</translation>
    </message>
    <message>
        <source>Débiter {available} —
reste à payer en caisse : {rest} (Entrée)</source>
        <translation>Debit {available} —
left to pay at the till: {rest} (Enter)</translation>
    </message>
    <message>
        <source>Montant, ex. 12,50</source>
        <translation>Amount, e.g. 12,50</translation>
    </message>
    <message>
        <source>Payer (Entrée)</source>
        <translation>Pay (Enter)</translation>
    </message>
    <message>
        <source>Retour (Échap)</source>
        <translation>Back (Esc)</translation>
    </message>
    <message>
        <source>Paiement</source>
        <translation>Payment</translation>
    </message>
    <message>
        <source>Porte-monnaie à débiter :</source>
        <translation>Wallet to debit:</translation>
    </message>
    <message>
        <source>Montant (€) :</source>
        <translation>Amount (€):</translation>
    </message>
    <message>
        <source>Aucun porte-monnaie utilisable ici.</source>
        <translation>No wallet usable here.</translation>
    </message>
    <message>
        <source>Choisissez le porte-monnaie à débiter.</source>
        <translation>Choose the wallet to debit.</translation>
    </message>
</context>
<context>
    <name>PinPage</name>
    <message>
        <source>Code gérant</source>
        <translation>Manager PIN</translation>
    </message>
    <message>
        <source>Demandé pour les annulations et la clôture de la journée (4 à 8 chiffres).</source>
        <translation>Asked for cancellations and for closing the day (4 to 8 digits).</translation>
    </message>
    <message>
        <source>Confirmation</source>
        <translation>Confirmation</translation>
    </message>
    <message>
        <source>Le code gérant fait 4 à 8 chiffres.</source>
        <translation>The manager PIN has 4 to 8 digits.</translation>
    </message>
    <message>
        <source>Les deux codes diffèrent.</source>
        <translation>The two PINs differ.</translation>
    </message>
</context>
<context>
    <name>ProductNotice</name>
    <message>
        <source>Ajouter à la référence du paiement (F8)</source>
        <translation>Add to the payment's reference (F8)</translation>
    </message>
    <message>
        <source>Code produit {code} : la carte reste ouverte.</source>
        <translation>Product code {code}: the card stays open.</translation>
    </message>
    <message>
        <source>{reason} La carte reste ouverte.</source>
        <translation>{reason} The card stays open.</translation>
    </message>
    <message>
        <source>Référence du paiement pleine ({max} caractères) : code non ajouté.</source>
        <translation>Payment reference full ({max} characters): code not added.</translation>
    </message>
    <message>
        <source>Code produit {code} ajouté à la référence du paiement.</source>
        <translation>Product code {code} added to the payment's reference.</translation>
    </message>
    <message>
        <source>Référence du paiement : {reference}</source>
        <translation>Payment reference: {reference}</translation>
    </message>
</context>
<context>
    <name>Prompts</name>
    <message>
        <source>Oui</source>
        <translation>Yes</translation>
    </message>
    <message>
        <source>Non</source>
        <translation>No</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>Valider</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>Annuler</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>PeriodClosingsBox</name>
    <message>
        <source>Clôtures mensuelles et annuelles</source>
        <translation>Month and year closings</translation>
    </message>
    <message>
        <source>Période</source>
        <translation>Period</translation>
    </message>
    <message>
        <source>Opérations</source>
        <translation>Operations</translation>
    </message>
    <message>
        <source>Total de la période</source>
        <translation>Period total</translation>
    </message>
    <message>
        <source>Grand total perpétuel</source>
        <translation>Perpetual grand total</translation>
    </message>
    <message>
        <source>N° journal</source>
        <translation>Journal no.</translation>
    </message>
    <message>
        <source>Empreinte</source>
        <translation>Fingerprint</translation>
    </message>
    <message>
        <source>Année {year}</source>
        <translation>Year {year}</translation>
    </message>
</context>
<context>
    <name>Receipt</name>
    <message>
        <source>Transaction annulée</source>
        <translation>Cancelled transaction</translation>
    </message>
    <message>
        <source>Porte-monnaie crédité</source>
        <translation>Wallet credited</translation>
    </message>
    <message>
        <source>Montant crédité</source>
        <translation>Amount credited</translation>
    </message>
    <message>
        <source>Reste à payer en caisse</source>
        <translation>Left to pay at the till</translation>
    </message>
    <message>
        <source>Annulation — remboursement</source>
        <translation>Cancellation — refund</translation>
    </message>
    <message>
        <source>N° {number}</source>
        <translation>No. {number}</translation>
    </message>
    <message>
        <source>N° {number} du {when}</source>
        <translation>No. {number} of {when}</translation>
    </message>
    <message>
        <source>N° ticket</source>
        <translation>Ticket no.</translation>
    </message>
    <message>
        <source>N° transaction</source>
        <translation>Transaction no.</translation>
    </message>
    <message>
        <source>N° journal</source>
        <translation>Journal no.</translation>
    </message>
    <message>
        <source>Empreinte</source>
        <translation>Fingerprint</translation>
    </message>
    <message>
        <source>Statut</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Date et heure</source>
        <translation>Date and time</translation>
    </message>
    <message>
        <source>N° carte</source>
        <translation>Card no.</translation>
    </message>
    <message>
        <source>Titulaire</source>
        <translation>Holder</translation>
    </message>
    <message>
        <source>Porte-monnaie débité</source>
        <translation>Wallet debited</translation>
    </message>
    <message>
        <source>Montant</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>Solde après</source>
        <translation>Balance after</translation>
    </message>
    <message>
        <source>Accepté hors ligne : sera transmis au service central.</source>
        <translation>Accepted offline: will be sent to the central service.</translation>
    </message>
    <message>
        <source>DUPLICATA</source>
        <translation>DUPLICATE</translation>
    </message>
    <message>
        <source>Achats en lien avec la formation du bénéficiaire.</source>
        <translation>Purchases related to the beneficiary's training.</translation>
    </message>
    <message>
        <source>Reçu de transaction</source>
        <translation>Transaction receipt</translation>
    </message>
</context>
<context>
    <name>ReceiptDesk</name>
    <message>
        <source>Reçu enregistré : {path}</source>
        <translation>Receipt saved: {path}</translation>
    </message>
    <message>
        <source>Le reçu PDF n'a pas pu être enregistré.</source>
        <translation>The PDF receipt could not be saved.</translation>
    </message>
    <message>
        <source>Reçu imprimé.</source>
        <translation>Receipt printed.</translation>
    </message>
    <message>
        <source>Imprimante injoignable : vérifiez-la ou enregistrez le reçu en PDF.</source>
        <translation>Printer unreachable: check it or save the receipt as PDF.</translation>
    </message>
</context>
<context>
    <name>ResultPanel</name>
    <message>
        <source>Imprimer le reçu (F5)</source>
        <translation>Print the receipt (F5)</translation>
    </message>
    <message>
        <source>Reçu en PDF (F6)</source>
        <translation>Receipt as PDF (F6)</translation>
    </message>
    <message>
        <source>Client suivant (Entrée)</source>
        <translation>Next customer (Enter)</translation>
    </message>
</context>
<context>
    <name>Settings</name>
    <message>
        <source>Langue</source>
        <translation>Language</translation>
    </message>
    <message>
        <source>Français</source>
        <translation>French</translation>
    </message>
    <message>
        <source>Anglais</source>
        <translation>English</translation>
    </message>
    <message>
        <source>Impression des reçus</source>
        <translation>Receipt printing</translation>
    </message>
    <message>
        <source>Fichier PDF</source>
        <translation>PDF file</translation>
    </message>
    <message>
        <source>Imprimante ticket réseau (ESC/POS)</source>
        <translation>Network receipt printer (ESC/POS)</translation>
    </message>
    <message>
        <source>Imprimante ticket USB (ESC/POS)</source>
        <translation>USB receipt printer (ESC/POS)</translation>
    </message>
    <message>
        <source>Imprimante ticket série (ESC/POS)</source>
        <translation>Serial receipt printer (ESC/POS)</translation>
    </message>
    <message>
        <source>Adresse de l'imprimante (hôte:port, VID:PID ou port série)</source>
        <translation>Printer address (host:port, VID:PID or serial port)</translation>
    </message>
    <message>
        <source>Imprimer le reçu automatiquement</source>
        <translation>Print the receipt automatically</translation>
    </message>
    <message>
        <source>Dossier des reçus PDF</source>
        <translation>PDF receipts folder</translation>
    </message>
    <message>
        <source>Caméra</source>
        <translation>Camera</translation>
    </message>
    <message>
        <source>Sons</source>
        <translation>Sounds</translation>
    </message>
    <message>
        <source>Dossier des exports (dernier choisi)</source>
        <translation>Exports folder (last chosen)</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Réglages</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>Aucune caméra</source>
        <translation>No camera</translation>
    </message>
    <message>
        <source>Recherche des caméras…</source>
        <translation>Looking for cameras…</translation>
    </message>
    <message>
        <source>Caméra {number} ({width}×{height})</source>
        <translation>Camera {number} ({width}×{height})</translation>
    </message>
    <message>
        <source>{count} caméra(s) trouvée(s) ; ou indiquez un fichier vidéo ou une URL.</source>
        <translation>{count} camera(s) found; or give a video file or a URL.</translation>
    </message>
    <message>
        <source>Aucune caméra trouvée sur ce poste : indiquez un fichier vidéo ou une URL.</source>
        <translation>No camera found on this computer: give a video file or a URL.</translation>
    </message>
    <message>
        <source>0 pour la première caméra, ou un fichier vidéo</source>
        <translation>0 for the first camera, or a video file</translation>
    </message>
    <message>
        <source>Enregistrer</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>Annuler</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>StatusBar</name>
    <message>
        <source>Connexion…</source>
        <translation>Connecting…</translation>
    </message>
    <message>
        <source>connexion non chiffrée</source>
        <translation>unencrypted connection</translation>
    </message>
    <message>
        <source>Adresse http:// : le jeton et les clés passent en clair sur le réseau.</source>
        <translation>http:// address: the token and the keys cross the network in clear.</translation>
    </message>
    <message>
        <source>Synchronisation %v / %m</source>
        <translation>Sync %v / %m</translation>
    </message>
    <message>
        <source>En ligne</source>
        <translation>Online</translation>
    </message>
    <message>
        <source>Hors ligne</source>
        <translation>Offline</translation>
    </message>
    <message>
        <source>{count} en attente depuis {since}</source>
        <translation>{count} waiting since {since}</translation>
    </message>
    <message>
        <source>Hors ligne possible encore {left}</source>
        <translation>Offline allowed for {left} more</translation>
    </message>
    <message>
        <source>Aucune opération en attente</source>
        <translation>No operation waiting</translation>
    </message>
    <message>
        <source>Dernière synchro : {at}</source>
        <translation>Last sync: {at}</translation>
    </message>
    <message>
        <source>{count} opération(s) refusée(s) à régler (Gestion)</source>
        <translation>{count} refused operation(s) to settle (Manager)</translation>
    </message>
    <message>
        <source>Horloge décalée de {minutes} min avec le service central</source>
        <translation>Clock {minutes} min off the central service</translation>
    </message>
</context>
<context>
    <name>Texts</name>
    <message>
        <source>Extranet bénéficiaire</source>
        <translation>Beneficiary extranet</translation>
    </message>
    <message>
        <source>Carte active</source>
        <translation>Active card</translation>
    </message>
    <message>
        <source>Carte en opposition : paiement refusé</source>
        <translation>Card blocked (lost or stolen): payment refused</translation>
    </message>
    <message>
        <source>Carte remplacée : paiement refusé</source>
        <translation>Card replaced: payment refused</translation>
    </message>
    <message>
        <source>Carte expirée (droits non revalidés) : paiement refusé</source>
        <translation>Card expired (rights not renewed): payment refused</translation>
    </message>
    <message>
        <source>État de carte inconnu : paiement refusé</source>
        <translation>Unknown card state: payment refused</translation>
    </message>
    <message>
        <source>Non utilisable ici</source>
        <translation>Not usable here</translation>
    </message>
    <message>
        <source>Non accepté par ce partenaire</source>
        <translation>Not accepted by this partner</translation>
    </message>
    <message>
        <source>Pas encore valable</source>
        <translation>Not valid yet</translation>
    </message>
    <message>
        <source>Validité dépassée</source>
        <translation>Validity over</translation>
    </message>
    <message>
        <source>Carte non active</source>
        <translation>Card not active</translation>
    </message>
    <message>
        <source>Solde nul</source>
        <translation>Zero balance</translation>
    </message>
    <message>
        <source>Prépaiement en attente</source>
        <translation>Prepayment pending</translation>
    </message>
    <message>
        <source>Prépaiement encaissé</source>
        <translation>Prepayment redeemed</translation>
    </message>
    <message>
        <source>Prépaiement annulé</source>
        <translation>Prepayment cancelled</translation>
    </message>
    <message>
        <source>Prépaiement expiré</source>
        <translation>Prepayment expired</translation>
    </message>
    <message>
        <source>Paiement au comptoir</source>
        <translation>Counter payment</translation>
    </message>
    <message>
        <source>Encaissement de prépaiement</source>
        <translation>Prepayment redemption</translation>
    </message>
    <message>
        <source>Annulation</source>
        <translation>Cancellation</translation>
    </message>
    <message>
        <source>Erreur inattendue : l'opération n'a pas été faite. Réessayez.</source>
        <translation>Unexpected error: the operation was not done. Try again.</translation>
    </message>
</context>
<context>
    <name>TransactionsPanel</name>
    <message>
        <source>Tous les types</source>
        <translation>All kinds</translation>
    </message>
    <message>
        <source>N° de carte ou de ticket</source>
        <translation>Card or ticket number</translation>
    </message>
    <message>
        <source>Actualiser</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <source>Jour</source>
        <translation>Day</translation>
    </message>
    <message>
        <source>Heure</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>N° transaction</source>
        <translation>Transaction no.</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>Carte</source>
        <translation>Card</translation>
    </message>
    <message>
        <source>Porte-monnaie</source>
        <translation>Wallet</translation>
    </message>
    <message>
        <source>Montant</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>Statut</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Annuler la transaction…</source>
        <translation>Cancel the transaction…</translation>
    </message>
    <message>
        <source>Réimprimer le reçu</source>
        <translation>Reprint the receipt</translation>
    </message>
    <message>
        <source>Effectuée</source>
        <translation>Done</translation>
    </message>
    <message>
        <source>Annulée</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <source>En attente d'envoi</source>
        <translation>Waiting to be sent</translation>
    </message>
    <message>
        <source>Refusée à la synchro</source>
        <translation>Refused at sync</translation>
    </message>
    <message>
        <source>{status} (hors ligne)</source>
        <translation>{status} (offline)</translation>
    </message>
    <message>
        <source>{count} transaction(s)</source>
        <translation>{count} transaction(s)</translation>
    </message>
    <message>
        <source>Choisissez d'abord une transaction dans la liste.</source>
        <translation>First choose a transaction in the list.</translation>
    </message>
    <message>
        <source>Annulation</source>
        <translation>Cancellation</translation>
    </message>
    <message>
        <source>Motif de l'annulation de la transaction {number} ({amount}) :</source>
        <translation>Reason for cancelling transaction {number} ({amount}):</translation>
    </message>
    <message>
        <source>Transaction annulée : {amount} recrédités sur le porte-monnaie.</source>
        <translation>Transaction cancelled: {amount} credited back to the wallet.</translation>
    </message>
    <message>
        <source>Actualiser F5</source>
        <translation>Refresh F5</translation>
    </message>
    <message>
        <source>Annuler la transaction… Ctrl+Suppr</source>
        <translation>Cancel the transaction… Ctrl+Del</translation>
    </message>
    <message>
        <source>Réimprimer le reçu Ctrl+R</source>
        <translation>Reprint the receipt Ctrl+R</translation>
    </message>
</context>
<context>
    <name>VoucherPanel</name>
    <message>
        <source>Prépaiement</source>
        <translation>Prepayment</translation>
    </message>
    <message>
        <source>N° ticket</source>
        <translation>Ticket no.</translation>
    </message>
    <message>
        <source>N° transaction</source>
        <translation>Transaction no.</translation>
    </message>
    <message>
        <source>Montant</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>Porte-monnaie</source>
        <translation>Wallet</translation>
    </message>
    <message>
        <source>Bénéficiaire</source>
        <translation>Beneficiary</translation>
    </message>
    <message>
        <source>N° carte</source>
        <translation>Card no.</translation>
    </message>
    <message>
        <source>Encaisser (Entrée)</source>
        <translation>Redeem (Enter)</translation>
    </message>
    <message>
        <source>Retour (Échap)</source>
        <translation>Back (Esc)</translation>
    </message>
</context>
<context>
    <name>WalletTile</name>
    <message>
        <source>Valable du {start} au {end}</source>
        <translation>Valid from {start} to {end}</translation>
    </message>
    <message>
        <source>Utilisable ici</source>
        <translation>Usable here</translation>
    </message>
</context>
<context>
    <name>messages</name>
    <message>
        <source>Refusé par le service central : un paiement hors ligne exige le QR code de la carte (carte saisie au clavier).</source>
        <translation>Refused by the central service: an offline payment needs the card's QR code (card number typed).</translation>
    </message>
    <message>
        <source>Refusé par le service central : plafond hors ligne dépassé (montant, total de la carte ou solde du QR code).</source>
        <translation>Refused by the central service: offline limit exceeded (amount, card total or QR code balance).</translation>
    </message>
    <message>
        <source>Envoi trop volumineux pour le service central.</source>
        <translation>Too large for the central service.</translation>
    </message>
    <message>
        <source>Adresse http:// d'une autre machine refusée : le jeton passerait en clair. Utilisez https://, ou --insecure en connaissance de cause.</source>
        <translation>http:// address of another machine refused: the token would cross the network in clear. Use https://, or --insecure knowingly.</translation>
    </message>
    <message>
        <source>Accepté hors ligne : en attente d'envoi</source>
        <translation>Accepted offline: waiting to be sent</translation>
    </message>
    <message>
        <source>Annulation : porte-monnaie recrédité</source>
        <translation>Cancellation: wallet credited back</translation>
    </message>
    <message>
        <source>C'est un prépaiement, pas une carte : utilisez Encaisser.</source>
        <translation>This is a prepayment, not a card: use Redeem.</translation>
    </message>
    <message>
        <source>Ce code est une carte, pas un prépaiement.</source>
        <translation>This code is a card, not a prepayment.</translation>
    </message>
    <message>
        <source>Encaissé hors ligne : en attente d'envoi</source>
        <translation>Redeemed offline: waiting to be sent</translation>
    </message>
    <message>
        <source>Hors ligne : QR code signé vérifié</source>
        <translation>Offline: signed QR code verified</translation>
    </message>
    <message>
        <source>Identifiant de transaction non valable.</source>
        <translation>Invalid transaction identifier.</translation>
    </message>
    <message>
        <source>Indiquez le motif de l'annulation.</source>
        <translation>Give the reason for the cancellation.</translation>
    </message>
    <message>
        <source>On ne clôture pas une journée à venir.</source>
        <translation>A day still to come cannot be closed.</translation>
    </message>
    <message>
        <source>Cette journée est en cours : elle se clôture une fois finie, à partir de 0 h 05 le lendemain (heure de Paris). Les opérations d'ici là lui appartiennent.</source>
        <translation>This day is still running: it closes once it is over, from 00:05 the next day (Paris time). Operations until then belong to it.</translation>
    </message>
    <message>
        <source>Payé</source>
        <translation>Paid</translation>
    </message>
    <message>
        <source>Prépaiement encaissé</source>
        <translation>Prepayment redeemed</translation>
    </message>
    <message>
        <source>Réponse non reçue : en attente de confirmation</source>
        <translation>No answer received: waiting for confirmation</translation>
    </message>
    <message>
        <source>montant : terminal {local}, service central {central}</source>
        <translation>amount: terminal {local}, central service {central}</translation>
    </message>
    <message>
        <source>nombre : terminal {local}, service central {central}</source>
        <translation>count: terminal {local}, central service {central}</translation>
    </message>
    <message>
        <source>{count} opération(s) pas encore envoyée(s)</source>
        <translation>{count} operation(s) not sent yet</translation>
    </message>
    <message>
        <source>Montant absent : saisissez un montant en euros, par exemple 12,50.</source>
        <translation>Amount missing: type an amount in euros, for example 12,50.</translation>
    </message>
    <message>
        <source>Un montant négatif n'est pas accepté.</source>
        <translation>A negative amount is not accepted.</translation>
    </message>
    <message>
        <source>Montant illisible : une seule virgule pour les centimes (ex. 1 234,50).</source>
        <translation>Unreadable amount: one comma only, before the cents (e.g. 1 234,50).</translation>
    </message>
    <message>
        <source>Montant illisible : milliers par groupes de 3 (ex. 1 234,50).</source>
        <translation>Unreadable amount: thousands in groups of 3 (e.g. 1 234,50).</translation>
    </message>
    <message>
        <source>Montant illisible : « {typed} » n'est pas un nombre.</source>
        <translation>Unreadable amount: “{typed}” is not a number.</translation>
    </message>
    <message>
        <source>Montant incomplet : des chiffres sont attendus après la virgule.</source>
        <translation>Incomplete amount: digits are expected after the comma.</translation>
    </message>
    <message>
        <source>Pas plus de 2 chiffres après la virgule (centimes).</source>
        <translation>No more than 2 digits after the comma (cents).</translation>
    </message>
    <message>
        <source>Montant trop élevé : au plus {max}.</source>
        <translation>Amount too high: {max} at most.</translation>
    </message>
    <message>
        <source>Le montant doit être supérieur à zéro.</source>
        <translation>The amount must be more than zero.</translation>
    </message>
    <message>
        <source>Carte bloquée (opposition ou carte remplacée) : paiement impossible.</source>
        <translation>Card blocked (lost, stolen or replaced): payment impossible.</translation>
    </message>
    <message>
        <source>Carte expirée : les droits n'ont pas été revalidés cette année.</source>
        <translation>Card expired: the rights were not renewed this year.</translation>
    </message>
    <message>
        <source>Carte inconnue : vérifiez le numéro de carte.</source>
        <translation>Unknown card: check the card number.</translation>
    </message>
    <message>
        <source>Ce partenaire n'accepte pas ce type d'opération.</source>
        <translation>This partner does not accept this kind of operation.</translation>
    </message>
    <message>
        <source>Ce porte-monnaie n'est pas utilisable ici aujourd'hui.</source>
        <translation>This wallet cannot be used here today.</translation>
    </message>
    <message>
        <source>Ce prépaiement a été fait pour un autre partenaire.</source>
        <translation>This prepayment was made for another partner.</translation>
    </message>
    <message>
        <source>Ce prépaiement n'est plus en attente (déjà encaissé, annulé ou expiré).</source>
        <translation>This prepayment is no longer pending (already redeemed, cancelled or expired).</translation>
    </message>
    <message>
        <source>Démonstration impossible : cette installation du terminal ne contient pas le service central de démonstration (lancez ./run.sh depuis les sources du projet).</source>
        <translation>Demo unavailable: this installed terminal does not contain the demo central service (run ./run.sh from the project's sources).</translation>
    </message>
    <message>
        <source>Ce terminal n'est pas enrôlé : lancez « hdf-pos enroll ».</source>
        <translation>This terminal is not enrolled: run “hdf-pos enroll”.</translation>
    </message>
    <message>
        <source>Ce terminal n'est plus reconnu par le service central : enrôlez-le à nouveau.</source>
        <translation>The central service no longer knows this terminal: enrol it again.</translation>
    </message>
    <message>
        <source>Cette transaction est déjà annulée.</source>
        <translation>This transaction is already cancelled.</translation>
    </message>
    <message>
        <source>Cette transaction ne peut pas être annulée.</source>
        <translation>This transaction cannot be cancelled.</translation>
    </message>
    <message>
        <source>Code non reconnu : scannez la carte ou saisissez ses 8 chiffres.</source>
        <translation>Code not recognised: scan the card or type its 8 digits.</translation>
    </message>
    <message>
        <source>Connexion sécurisée impossible : certificat du service central non reconnu.</source>
        <translation>Secure connection impossible: the central service's certificate is not recognised.</translation>
    </message>
    <message>
        <source>Demande refusée : une valeur saisie n'est pas acceptée.</source>
        <translation>Request refused: a value typed is not accepted.</translation>
    </message>
    <message>
        <source>Hors ligne : ce prépaiement est déjà encaissé ici.</source>
        <translation>Offline: this prepayment was already redeemed here.</translation>
    </message>
    <message>
        <source>Hors ligne : cette carte est en opposition, paiement impossible.</source>
        <translation>Offline: this card is blocked, payment impossible.</translation>
    </message>
    <message>
        <source>Hors ligne : clés de vérification absentes, connectez le terminal.</source>
        <translation>Offline: verification keys missing, connect the terminal.</translation>
    </message>
    <message>
        <source>Hors ligne : montant au-delà du plafond par paiement.</source>
        <translation>Offline: amount above the per-payment limit.</translation>
    </message>
    <message>
        <source>Hors ligne : montant supérieur au solde connu de la carte.</source>
        <translation>Offline: amount above the card's known balance.</translation>
    </message>
    <message>
        <source>Hors ligne : plafond de cette carte atteint sur ce terminal.</source>
        <translation>Offline: this card's limit on this terminal is reached.</translation>
    </message>
    <message>
        <source>Hors ligne : scannez le QR code du prépaiement, le n° de ticket seul ne suffit pas.</source>
        <translation>Offline: scan the prepayment's QR code, the ticket number alone is not enough.</translation>
    </message>
    <message>
        <source>Hors ligne : seules les cartes présentées en QR code peuvent être lues.</source>
        <translation>Offline: only cards shown as a QR code can be read.</translation>
    </message>
    <message>
        <source>Hors ligne : un n° de carte saisi n'est pas accepté, scannez le QR code de la carte.</source>
        <translation>Offline: a typed card number is not accepted, scan the card's QR code.</translation>
    </message>
    <message>
        <source>Hors ligne : une annulation nécessite le service central, réessayez plus tard.</source>
        <translation>Offline: a cancellation needs the central service, try again later.</translation>
    </message>
    <message>
        <source>Hors ligne depuis trop longtemps : reconnectez le terminal avant d'encaisser.</source>
        <translation>Offline for too long: reconnect the terminal before taking payments.</translation>
    </message>
    <message>
        <source>Jeton du terminal introuvable dans le trousseau : enrôlez-le à nouveau.</source>
        <translation>The terminal's token is not in the keyring: enrol it again.</translation>
    </message>
    <message>
        <source>La journée est clôturée : plus aucune opération ne peut y être ajoutée.</source>
        <translation>The day is closed: no operation can be added to it.</translation>
    </message>
    <message>
        <source>Le mois ou l'année de cette journée est clôturé : rien n'y est ajouté.</source>
        <translation>The month or year of this day is closed: nothing is added to it.</translation>
    </message>
    <message>
        <source>Le service central a rencontré une erreur : réessayez plus tard.</source>
        <translation>The central service hit an error: try again later.</translation>
    </message>
    <message>
        <source>Montant non valable.</source>
        <translation>Invalid amount.</translation>
    </message>
    <message>
        <source>Opération déjà en cours de traitement : réessayez dans un instant.</source>
        <translation>Operation already being processed: try again in a moment.</translation>
    </message>
    <message>
        <source>Opération en conflit avec une précédente : recommencez la saisie.</source>
        <translation>Operation conflicts with an earlier one: enter it again.</translation>
    </message>
    <message>
        <source>Opération interdite pour ce partenaire.</source>
        <translation>Operation forbidden for this partner.</translation>
    </message>
    <message>
        <source>Plusieurs porte-monnaie possibles : choisissez-en un.</source>
        <translation>Several wallets possible: choose one.</translation>
    </message>
    <message>
        <source>Porte-monnaie inconnu sur cette carte.</source>
        <translation>Wallet unknown on this card.</translation>
    </message>
    <message>
        <source>Prépaiement introuvable : vérifiez le n° de ticket.</source>
        <translation>Prepayment not found: check the ticket number.</translation>
    </message>
    <message>
        <source>QR code expiré : demandez au bénéficiaire de l'actualiser.</source>
        <translation>QR code expired: ask the beneficiary to refresh it.</translation>
    </message>
    <message>
        <source>QR code non valable : demandez au bénéficiaire de l'afficher à nouveau.</source>
        <translation>QR code not valid: ask the beneficiary to show it again.</translation>
    </message>
    <message>
        <source>Service central injoignable : réessayez plus tard.</source>
        <translation>Central service unreachable: try again later.</translation>
    </message>
    <message>
        <source>Solde insuffisant sur ce porte-monnaie.</source>
        <translation>Insufficient balance on this wallet.</translation>
    </message>
    <message>
        <source>Trop de tentatives : patientez une minute avant de réessayer.</source>
        <translation>Too many attempts: wait a minute before trying again.</translation>
    </message>
    <message>
        <source>Trousseau système non sécurisé : le jeton du terminal ne peut pas y être rangé (HDF_POS_ALLOW_INSECURE_KEYRING=1 pour passer outre en test).</source>
        <translation>System keyring not secure: the terminal's token cannot be stored in it (HDF_POS_ALLOW_INSECURE_KEYRING=1 to override in tests).</translation>
    </message>
    <message>
        <source>Élément introuvable sur le service central.</source>
        <translation>Not found on the central service.</translation>
    </message>
</context>
</TS>